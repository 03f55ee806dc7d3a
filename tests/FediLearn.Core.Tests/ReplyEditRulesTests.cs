using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// An author's edit of a reply (Update{Note}) meets the group's rules for a Create before it is applied and relayed: an
/// author banned since, or one the posting policy no longer allows, changes nothing and the group relays nothing; a reply
/// a moderator removed stays removed. Until 2026-12-06 a banned author could rewrite an accepted reply and the group
/// re-broadcast it (Announce{Update}). The twin of each, an allowed author's edit, is applied and relayed (see also
/// RelayStorageTests.An_edit_keeps_the_first_Announce_with_the_version_it_relayed).
/// </summary>
public class ReplyEditRulesTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Bo = "https://bo.example/users/bo";

    [DbFact]
    public async Task An_edit_by_an_author_banned_since_is_neither_applied_nor_relayed()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await ApplyAsync(Create(Mia, prompt, "A fair answer."));
        await ApplyAsync(Create(Bo, prompt, "Another answer."));
        Assert.Equal(2, await Node.WithDbAsync(db => db.Replies.CountAsync(r => r.AnnounceActivityId != null)));
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().BanAsync(group.Name, Mia, null, "troll", default);

        await ApplyAsync(Update(Mia, prompt, "Rewritten into spam."));
        await ApplyAsync(Update(Bo, prompt, "Another answer, edited.")); // the twin: not banned

        Assert.Equal([Bo], await RelayedUpdatesAsync());
        Assert.Equal("<p>A fair answer.</p>", await ContentAsync(Mia));
        Assert.Equal("<p>Another answer, edited.</p>", await ContentAsync(Bo));
        await AssertInboxAllDoneAsync();
    }

    [DbFact]
    public async Task An_edit_by_an_author_the_posting_policy_no_longer_allows_is_neither_applied_nor_relayed()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync(PostingPolicy.Participants);
        await Node.AddFollowersAsync(group, Mia, Bo);
        await ApplyAsync(Create(Mia, prompt, "A participant's answer."));
        await ApplyAsync(Create(Bo, prompt, "Another participant's answer."));
        await Node.WithDbAsync(db => db.Followers.Where(f => f.ActorUri == Mia).ExecuteDeleteAsync()); // no longer a participant

        await ApplyAsync(Update(Mia, prompt, "Edited after leaving."));
        await ApplyAsync(Update(Bo, prompt, "Edited while a participant."));

        Assert.Equal([Bo], await RelayedUpdatesAsync());
        Assert.Equal("<p>A participant's answer.</p>", await ContentAsync(Mia));
        Assert.Equal("<p>Edited while a participant.</p>", await ContentAsync(Bo));
        await AssertInboxAllDoneAsync();
    }

    /// <summary>Already true before 2026-12-06 (an Update only finds a reply not deleted); kept with the rules above.</summary>
    [DbFact]
    public async Task An_edit_of_a_reply_a_moderator_removed_is_neither_revived_nor_relayed()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await ApplyAsync(Create(Mia, prompt, "Off topic."));
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().RemoveReplyAsync(group.Name, $"{Mia}/statuses/1", null, "off topic", default);

        await ApplyAsync(Update(Mia, prompt, "Back again."));

        var reply = await Node.WithDbAsync(db => db.Replies.AsNoTracking().SingleAsync());
        Assert.NotNull(reply.DeletedAt);
        Assert.Equal("<p>Off topic.</p>", reply.ContentHtml);
        Assert.Empty(await RelayedUpdatesAsync());
        await AssertInboxAllDoneAsync();
    }

    private static JObject Note(string author, string inReplyTo, string text) => new()
    {
        ["id"] = $"{author}/statuses/1", ["type"] = "Note", ["inReplyTo"] = inReplyTo, ["attributedTo"] = author,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["content"] = $"<p>{text}</p>",
    };

    private static JObject Create(string author, string inReplyTo, string text) => new()
    {
        ["id"] = $"{author}/statuses/1/activity", ["type"] = "Create", ["actor"] = author,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = Note(author, inReplyTo, text),
    };

    private static JObject Update(string author, string inReplyTo, string text) => new()
    {
        ["id"] = $"{author}/statuses/1#updates/1", ["type"] = "Update", ["actor"] = author,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = Note(author, inReplyTo, text),
    };

    /// <summary>Received as the inbox endpoint stores it, then applied by the inbox worker.</summary>
    private async Task ApplyAsync(JObject activity)
    {
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, activity.Value<string>("actor")!));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
    }

    private Task<string> ContentAsync(string author) =>
        Node.WithDbAsync(db => db.Replies.Where(r => r.AuthorUri == author).Select(r => r.ContentHtml).SingleAsync());

    /// <summary>The authors whose Update the group queued for its followers (an Announce{Update} with its fan-out job).</summary>
    private Task<List<string>> RelayedUpdatesAsync() => Node.WithDbAsync(async db =>
    {
        var announces = await db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce" && db.FanoutJobs.Any(f => f.ActivityId == a.Id))
            .Select(a => a.Json).ToListAsync();
        return announces.Select(ActivityJson.Parse).Select(a => a["object"]).OfType<JObject>()
            .Where(o => o.Value<string>("type") == "Update").Select(o => o.Value<string>("actor")!).ToList();
    });

}

public sealed class ReplyEditRulesTestsOnPostgres : ReplyEditRulesTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
