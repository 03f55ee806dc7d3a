using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Inbox;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// The inbox worker stores a claimed batch's replies together, in one write transaction (issue 7, inbox speed). What it
/// stores must be what applying them one by one stores: each reply once, in its thread, with the group's Announce queued
/// to every follower's server; the group's rules applied to each; and a server's activities in the order it sent them.
/// </summary>
public class InboxBatchTests : NodeTest
{
    private const string Ada = "https://a.example/users/ada";
    private const string Bo = "https://b.example/users/bo";
    private const string Cy = "https://c.example/users/cy";
    private const string Dee = "https://d.example/users/dee";

    [DbFact]
    public async Task A_batch_of_replies_is_stored_and_relayed_as_one_by_one_would()
    {
        var (group, prompt, promptId) = await Node.AddGroupWithPromptAsync(PostingPolicy.Open);
        foreach (var author in new[] { Ada, Bo, Cy, Dee }) await Node.AddRemoteActorAsync(author);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1", "https://f.example/users/f2", "https://g.example/users/g1");
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().BanAsync("circle", Dee, null, "spam", default);

        await ReceiveAsync(Create(Ada, "1", prompt, "Ada answers the prompt."));
        await ReceiveAsync(Create(Bo, "1", $"{Ada}/statuses/1", "Bo answers Ada, in the same batch.")); // its parent is not stored yet
        await ReceiveAsync(Create(Cy, "1", prompt, "Cy answers."));
        await ReceiveAsync(Create(Cy, "1", prompt, "Cy answers.", activitySuffix: "/again")); // the same note in a second Create
        await ReceiveAsync(Create(Dee, "1", prompt, "Dee is banned."));
        await ReceiveAsync(Create(Dee, "2", prompt, "Dee is still banned.")); // the group's rules as looked up for Dee's first
        await ReceiveAsync(Create(Ada, "2", prompt, "Not a reply type.", type: "Question")); // left for the one-by-one path, which ignores it

        Assert.Equal(7, await Worker().RunOnceAsync(CancellationToken.None));

        // Applied together: the one-by-one fallback (after a failed batch) would store the same rows, so check it did not run.
        Assert.DoesNotContain(_log, line => line.Contains("together failed", StringComparison.Ordinal));

        var replies = await Node.WithDbAsync(db => db.Replies.AsNoTracking().OrderBy(r => r.Id).ToListAsync());
        Assert.Equal([$"{Ada}/statuses/1", $"{Bo}/statuses/1", $"{Cy}/statuses/1"], replies.Select(r => r.Uri));
        Assert.All(replies, r => Assert.Equal((group.Id, (long?)promptId), (r.GroupId, r.TopItemId)));
        Assert.Equal($"{Ada}/statuses/1", replies[1].InReplyTo);
        Assert.Equal("<p>Bo answers Ada, in the same batch.</p>", replies[1].ContentHtml);
        // One Announce per stored reply, each queued to both followers' servers (shared inboxes) with its reply.
        var announces = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").OrderBy(a => a.Id).ToListAsync());
        Assert.Equal(replies.Select(r => r.AnnounceActivityId), announces.Select(a => (long?)a.Id));
        Assert.Equal(replies.Select(r => (long?)r.Id), announces.Select(a => a.ReplyId));
        foreach (var announce in announces)
        {
            var inboxes = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Where(j => j.ActivityId == announce.Id).Select(j => j.Inbox).ToListAsync());
            Assert.Equal(["https://f.example/inbox", "https://g.example/inbox"], inboxes.Order(StringComparer.Ordinal));
        }
        // Expanded together (one statement per group): each Announce's jobs next to each other, the Announces in order.
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().OrderBy(j => j.Id).Select(j => j.ActivityId).ToListAsync());
        Assert.Equal(announces.SelectMany(a => new[] { a.Id, a.Id }), jobs);
        Assert.Equal(7, await Node.WithDbAsync(db => db.InboxItems.CountAsync(i => i.State == InboxState.Done)));
    }

    [DbFact]
    public async Task A_servers_Follow_is_applied_before_its_reply_in_the_same_batch()
    {
        // Participants only: Ada's reply is accepted only once her Follow is. Bo, who does not follow, is refused.
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync(PostingPolicy.Participants);
        await Node.AddRemoteActorAsync(Ada);
        await Node.AddRemoteActorAsync(Bo);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        await ReceiveAsync(new JObject { ["id"] = $"{Ada}#follows/1", ["type"] = "Follow", ["actor"] = Ada, ["object"] = urls.Actor(group) });
        await ReceiveAsync(Create(Ada, "1", prompt, "Ada follows, then answers."));
        await ReceiveAsync(Create(Bo, "1", prompt, "Bo does not follow."));
        await ReceiveAsync(Create(Cy, "1", prompt, "Cy has no cached actor.")); // dropped: its signer is unknown

        Assert.Equal(4, await Worker().RunOnceAsync(CancellationToken.None));

        Assert.Equal([$"{Ada}/statuses/1"], await Node.WithDbAsync(db => db.Replies.Select(r => r.Uri).ToListAsync()));
        Assert.Equal(3, await Node.WithDbAsync(db => db.InboxItems.CountAsync(i => i.State == InboxState.Done)));
        Assert.Equal(1, await Node.WithDbAsync(db => db.InboxItems.CountAsync(i => i.State == InboxState.Failed)));
    }

    private static JObject Create(string author, string n, string inReplyTo, string text, string activitySuffix = "", string type = "Note") => new()
    {
        ["id"] = $"{author}/statuses/{n}/activity{activitySuffix}",
        ["type"] = "Create",
        ["actor"] = author,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
        ["object"] = new JObject
        {
            ["id"] = $"{author}/statuses/{n}", ["type"] = type, ["inReplyTo"] = inReplyTo, ["attributedTo"] = author,
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["content"] = $"<p>{text}</p>",
        },
    };

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private InboxWorker Worker() => Node.NewInboxWorker(new ListLogger<InboxWorker>(_log));


    private async Task ReceiveAsync(JObject activity) =>
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, activity.Value<string>("actor")!));
}

public sealed class InboxBatchTestsOnPostgres : InboxBatchTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
