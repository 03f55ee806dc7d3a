using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A public group relays the replies in its threads to every follower, addressed to Public, and lists them in the
/// thread's public <c>context</c>. So it takes in only replies their authors made public. Until 2026-12-07 a Mastodon
/// direct message (to the group only) or a followers-only reply that mentioned the group was stored in the thread and
/// announced to Public with the private Create embedded. A members-only group relays to its participants only, and
/// takes their replies whatever their addressing.
/// </summary>
public class ReplyAudienceTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string GroupUrl = TestNode.PublicUrl + "/g/circle";
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";
    private const string MiasFollowers = Mia + "/followers";

    public static TheoryData<string, string[], string[], bool> Audiences => new()
    {
        { "direct (Mastodon: mentioned people only)", [GroupUrl], [], false },
        { "followers-only", [MiasFollowers], [GroupUrl], false },
        { "public", [Public], [MiasFollowers, GroupUrl], true },
        { "unlisted", [MiasFollowers], [Public, GroupUrl], true },
        { "public, compacted as:Public", ["as:Public"], [GroupUrl], true },
    };

    [DbTheory]
    [MemberData(nameof(Audiences))]
    public async Task A_public_group_takes_in_and_relays_only_replies_made_public(string audience, string[] to, string[] cc, bool relayed)
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddFollowersAsync(group, Mia);

        await ApplyAsync(Create(1, prompt, to, cc));

        Assert.True(relayed == (await StoredAsync()).Contains($"{Mia}/statuses/1"), audience);
        Assert.True(relayed == ((await RelaysAsync()).Count == 1), audience);
    }

    /// <summary>Addressing given on the activity alone (the object has no <c>to</c>, and an empty <c>cc</c>) counts.</summary>
    [DbFact]
    public async Task The_activity_addressing_counts_when_the_object_has_none()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        var open = Create(1, prompt, [Public], []);
        ((JObject)open["object"]!).Remove("to");
        await ApplyAsync(open);
        var closed = Create(2, prompt, [GroupUrl], []);
        ((JObject)closed["object"]!).Remove("to");
        await ApplyAsync(closed);

        Assert.Equal([$"{Mia}/statuses/1"], await StoredAsync());
    }

    /// <summary>A participant's followers-only reply in a members-only group is relayed, to the participants only.</summary>
    [DbFact]
    public async Task A_members_only_group_relays_a_participants_followers_only_reply_to_its_followers()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync(PostingPolicy.Participants, membersOnly: true);
        await Node.AddFollowersAsync(group, Mia);

        await ApplyAsync(Create(1, prompt, [MiasFollowers], [GroupUrl]));

        Assert.Equal([$"{Mia}/statuses/1"], await StoredAsync());
        var relay = Assert.Single(await RelaysAsync());
        Assert.DoesNotContain(Public, relay.Value<JArray>("to")!.Concat(relay.Value<JArray>("cc") ?? []).Select(a => (string?)a));
    }

    /// <summary>A vote in a check-in is addressed to the group alone, as Mastodon sends it: still counted.</summary>
    [DbFact]
    public async Task A_vote_addressed_to_the_group_alone_is_still_counted()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "circle");
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        await Node.AddRemoteActorAsync(Mia);
        long question;
        await using (var scope = Node.Scope())
            question = (await scope.ServiceProvider.GetRequiredService<Services.PublishingService>()
                .CreateAsync(group, ana, ItemKind.Prompt, new Services.ItemInput { Content = "Pace?", Choices = ["slow", "fast"] }, default)).Id;
        var vote = Create(1, $"{GroupUrl}/prompts/{question}", [GroupUrl], []);
        ((JObject)vote["object"]!)["name"] = "fast";
        ((JObject)vote["object"]!).Remove("content");

        await ApplyAsync(vote);

        Assert.Equal(1, await Node.WithDbAsync(db => db.Votes.CountAsync(v => v.VoterUri == Mia)));
    }

    private static JObject Create(int n, string inReplyTo, string[] to, string[] cc) => new()
    {
        ["id"] = $"{Mia}/statuses/{n}/activity", ["type"] = "Create", ["actor"] = Mia,
        ["to"] = new JArray(to), ["cc"] = new JArray(cc),
        ["object"] = new JObject
        {
            ["id"] = $"{Mia}/statuses/{n}", ["type"] = "Note", ["attributedTo"] = Mia, ["inReplyTo"] = inReplyTo,
            ["to"] = new JArray(to), ["cc"] = new JArray(cc),
            ["content"] = "<p>@circle a question for the facilitators</p>",
            ["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = GroupUrl, ["name"] = "@circle@coop.example" }),
        },
    };

    private async Task ApplyAsync(JObject activity)
    {
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, Mia));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
        Assert.Equal(InboxState.Done, await Node.WithDbAsync(db => db.InboxItems.OrderByDescending(i => i.Id).Select(i => i.State).FirstAsync()));
    }

    private Task<List<string>> StoredAsync() => Node.WithDbAsync(db => db.Replies.Select(r => r.Uri).ToListAsync());

    /// <summary>The group's Announces relaying a reply, as delivered.</summary>
    private async Task<List<JObject>> RelaysAsync()
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var documents = scope.ServiceProvider.GetRequiredService<Queues.OutboundDocuments>();
        var relays = new List<JObject>();
        foreach (var row in await db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").ToListAsync())
            relays.Add(JObject.Parse(await documents.JsonAsync(db, row, default)));
        return relays;
    }
}

public sealed class ReplyAudienceTestsOnPostgres : ReplyAudienceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
