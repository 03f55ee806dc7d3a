using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>Issue 6 item 3: what a members-only group sends is addressed to its followers alone, and its settings imply approval.</summary>
public class MembersOnlyServiceTests : NodeTest
{
    private const string PublicIri = "https://www.w3.org/ns/activitystreams#Public";
    private const string Group = "https://node.example/g/cohort";
    private const string Followers = Group + "/followers";

    [DbFact]
    public void Restricting_an_activity_removes_Public_in_every_spelling_and_addresses_the_followers()
    {
        var announce = new JObject
        {
            ["type"] = "Announce", ["actor"] = Group,
            ["to"] = new JArray(PublicIri), ["cc"] = new JArray("as:Public", "Public", "https://mastodon.example/users/mia"),
            ["object"] = new JObject { ["type"] = "Delete", ["actor"] = Group, ["object"] = "https://mastodon.example/notes/1", ["to"] = PublicIri },
        };
        Assert.True(Audience.IsPublic(announce));

        Audience.RestrictToFollowers(announce, Group, Followers);

        Assert.False(Audience.IsPublic(announce));
        Assert.Equal([Followers], announce["to"]!.Values<string>());
        Assert.Equal(["https://mastodon.example/users/mia"], announce["cc"]!.Values<string>());
        Assert.False(Audience.IsPublic((JObject)announce["object"]!)); // the group's own embedded activity follows
    }

    [DbFact]
    public void An_embedded_activity_of_someone_else_is_relayed_exactly_as_it_came()
    {
        var reply = new JObject { ["type"] = "Create", ["actor"] = "https://mastodon.example/users/mia", ["to"] = new JArray(PublicIri) };
        var announce = new JObject { ["type"] = "Announce", ["actor"] = Group, ["to"] = new JArray(PublicIri), ["object"] = reply.DeepClone() };

        Audience.RestrictToFollowers(announce, Group, Followers);

        Assert.False(Audience.IsPublic(announce));
        Assert.True(JToken.DeepEquals(reply, announce["object"])); // not ours to rewrite
    }

    [DbFact]
    public async Task Members_only_settings_imply_approval_and_participant_replies_and_their_Update_is_not_public()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "cohort");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        await groups.UpdateSettingsAsync("cohort", new GroupSettings("Cohort", null, false, PostingPolicy.Open, null, null, null, MembersOnly: true), default);

        var stored = await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id);
        Assert.Equal((true, true, PostingPolicy.Participants), (stored.MembersOnly, stored.ManuallyApprovesFollowers, stored.PostingPolicy));
        var update = await db.OutboundActivities.AsNoTracking().SingleAsync(a => a.ActorId == group.Id && a.Type == "Update");
        Assert.False(update.IsPublic);
        Assert.DoesNotContain(PublicIri, update.Json);
        Assert.False(JObject.Parse(update.Json)["object"]!.Value<bool>("discoverable"));

        // Back to a public group: the next Update says Public again, and the policy is the one asked for.
        await groups.UpdateSettingsAsync("cohort", new GroupSettings("Cohort", null, false, PostingPolicy.Open, null, null, null, MembersOnly: false), default);
        var again = await db.OutboundActivities.AsNoTracking().Where(a => a.ActorId == group.Id && a.Type == "Update").OrderBy(a => a.Id).LastAsync();
        Assert.True(again.IsPublic);
        Assert.Contains(PublicIri, again.Json);
        Assert.Equal(PostingPolicy.Open, (await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id)).PostingPolicy);
    }

    [DbFact]
    public async Task A_lane_group_made_members_only_publishes_its_first_item_to_members_only()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        await using var scope = Node.Scope();
        var group = await scope.ServiceProvider.GetRequiredService<GroupService>()
            .CreateFromLaneAsync("cohort", "Cohort", null, Lanes.PromptCircle, false, null, null, ana, default, membersOnly: true);
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var create = await db.OutboundActivities.AsNoTracking().SingleAsync(a => a.ActorId == group.Id && a.Type == "Create");
        Assert.False(create.IsPublic);
        Assert.DoesNotContain(PublicIri, create.Json);
        Assert.Equal(PostingPolicy.Participants, group.PostingPolicy); // the prompt circle's "open" becomes participants
    }
}
