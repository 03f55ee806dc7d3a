using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A JSON string may carry a NUL as the escape <c>\u0000</c>; PostgreSQL takes no NUL in <c>text</c> (error 22021).
/// Until 2026-12-07 a remote activity with one in an id the inbox stores or looks up failed there: in the activity's own
/// id, the insert of the inbox intake failed, and with it every activity committed in the same batch (each request a
/// 500, whoever sent it); in an object id, an <c>inReplyTo</c>, a Mention's href, a Like's or a Follow's object, an
/// Undo's or a Delete's object, the item failed in the inbox worker and was retried until it was given up; an actor's
/// Update with one in its name failed the same way. ActivityJson.Parse now hands on U+FFFD for an escaped NUL and refuses
/// an unescaped one (malformed JSON, which Json.NET took into the string): on both providers every such item is applied.
/// </summary>
public class InboundNulTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";
    private const string Nul = "\u0000";

    /// <summary>One activity with a NUL in its id among 40 received at once: all are stored, none is a failure.</summary>
    [DbFact]
    public async Task An_activity_id_with_a_NUL_fails_neither_its_request_nor_those_committed_with_it()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        var activities = Enumerable.Range(1, 40).Select(n => Like($"{Mia}/likes/{n}", prompt)).ToList();
        activities.Insert(20, Like($"{Mia}/likes/x{Nul}", prompt));

        var outcomes = await Task.WhenAll(activities.Select(async a =>
        {
            try { return (await Node.ReceiveAsync(a, Mia)).ToString(); }
            catch (Exception e) { return e.GetType().Name + ": " + e.Message.Split('\n')[0]; }
        }));

        Assert.All(outcomes, o => Assert.Equal(nameof(ReceiveOutcome.Queued), o));
        Assert.Contains($"{Mia}/likes/x\uFFFD", await Node.WithDbAsync(db => db.InboxItems.Select(i => i.ActivityId).ToListAsync()));
    }

    /// <summary>An unescaped NUL (a raw 0x00 byte in the body) is malformed JSON: the inbox endpoint answers 400 to that.</summary>
    [Fact]
    public void An_unescaped_NUL_is_malformed_JSON() =>
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse($$"""{"id":"{{Mia}}/likes/1{{Nul}}","type":"Like","actor":"{{Mia}}","object":"x"}"""));

    /// <summary>
    /// Each activity is applied (done, no error) by the inbox worker, one by one; the replies among them that belong in
    /// the thread are stored with U+FFFD where the NUL was (the sanitizer makes it so in an attribute, and drops it in
    /// text), and the actor's Update is taken.
    /// </summary>
    [DbFact]
    public async Task Activities_with_a_NUL_in_their_strings_are_applied()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        var groupUrl = TestNode.PublicUrl + "/g/circle";
        var cases = new (string Field, JObject Activity)[]
        {
            ("content, name, summary, url", Create(1, prompt, o =>
            {
                o["content"] = $"<p>a{Nul}b <a href=\"https://x.example/{Nul}\">l</a></p>";
                o["name"] = $"n{Nul}";
                o["summary"] = $"s{Nul}";
                o["url"] = $"{Mia}/@{Nul}";
            })),
            ("object id", Create(2, prompt, o => o["id"] = $"{Mia}/statuses/2{Nul}")),
            ("inReplyTo", Create(3, prompt + Nul)),
            ("inReplyTo, remote", Create(4, $"{Mia}/statuses/gone{Nul}")),
            ("Mention href", Create(5, null, o => o["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = groupUrl + Nul, ["name"] = $"@circle{Nul}" }))),
            ("Like object", Like($"{Mia}/likes/1", prompt + Nul)),
            ("Follow object", new JObject { ["id"] = $"{Mia}/follows/1", ["type"] = "Follow", ["actor"] = Mia, ["object"] = groupUrl + Nul }),
            ("Undo's object id", new JObject
            {
                ["id"] = $"{Mia}/undos/1", ["type"] = "Undo", ["actor"] = Mia,
                ["object"] = new JObject { ["id"] = $"{Mia}/likes/9{Nul}", ["type"] = "Like", ["actor"] = Mia, ["object"] = prompt + Nul },
            }),
            ("Delete object", new JObject { ["id"] = $"{Mia}/deletes/1", ["type"] = "Delete", ["actor"] = Mia, ["object"] = $"{Mia}/statuses/9{Nul}" }),
            ("Update's note id", new JObject
            {
                ["id"] = $"{Mia}/updates/1", ["type"] = "Update", ["actor"] = Mia,
                ["object"] = new JObject { ["id"] = $"{Mia}/statuses/1{Nul}", ["type"] = "Note", ["attributedTo"] = Mia, ["content"] = "x" },
            }),
            ("Accept object", new JObject { ["id"] = $"{Mia}/accepts/1", ["type"] = "Accept", ["actor"] = Mia, ["object"] = $"{Mia}/follows/x{Nul}" }),
            ("Flag", new JObject { ["id"] = $"{Mia}/flags/1", ["type"] = "Flag", ["actor"] = Mia, ["object"] = new JArray(groupUrl, $"{Mia}/x{Nul}"), ["content"] = $"spam{Nul}" }),
            ("actor's Update", new JObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{Mia}#updates/1", ["type"] = "Update", ["actor"] = Mia,
                ["object"] = new JObject
                {
                    ["id"] = Mia, ["type"] = "Person", ["inbox"] = Mia + "/inbox", ["preferredUsername"] = $"mia{Nul}", ["name"] = $"Mia{Nul}",
                    ["summary"] = $"<p>{Nul}</p>", ["endpoints"] = new JObject { ["sharedInbox"] = "https://mia.example/inbox" },
                },
            }),
        };

        var failed = new List<string>();
        foreach (var (field, activity) in cases)
        {
            Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, Mia));
            Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
            var item = await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().OrderByDescending(i => i.Id).FirstAsync());
            if (item.State != InboxState.Done || item.LastError is not null) failed.Add($"{field}: {item.State} {item.LastError?.Split('\n')[0]}");
        }
        Assert.True(failed.Count == 0, "not applied:\n" + string.Join("\n", failed));

        var replies = await Node.WithDbAsync(db => db.Replies.AsNoTracking().OrderBy(r => r.Id).ToListAsync());
        // An inReplyTo or a Mention's href with U+FFFD names nothing of ours: those replies are in no thread.
        Assert.Equal([$"{Mia}/statuses/1", $"{Mia}/statuses/2\uFFFD"], replies.Select(r => r.Uri));
        Assert.All(replies, r => Assert.DoesNotContain(Nul, r.ContentHtml + r.Json, StringComparison.Ordinal));
        var actor = await Node.WithDbAsync(db => db.RemoteActors.AsNoTracking().SingleAsync(a => a.Uri == Mia));
        Assert.Equal(("mia\uFFFD", "Mia\uFFFD"), (actor.Username, actor.DisplayName));
        var report = await Node.WithDbAsync(db => db.Reports.AsNoTracking().SingleAsync());
        Assert.DoesNotContain(Nul, report.Content + report.ObjectsJson, StringComparison.Ordinal);
    }

    /// <summary>
    /// The inbox worker's batch of Creates (ThreadService.ReceiveBatchAsync): a reply with a NUL in its inReplyTo no
    /// longer fails the batch (every item was then applied again one by one, that one failing); all are done.
    /// </summary>
    [DbFact]
    public async Task A_reply_with_a_NUL_does_not_fail_the_batch_of_replies_it_came_in()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await Node.ReceiveAsync(Create(1, prompt), Mia);
        await Node.ReceiveAsync(Create(2, $"{Mia}/statuses/1{Nul}"), Mia);
        await Node.ReceiveAsync(Create(3, prompt), Mia);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();

        Assert.Equal(3, await Node.NewInboxWorker(new ListLogger<FediLearn.Core.Queues.InboxWorker>(log)).RunOnceAsync(CancellationToken.None));

        Assert.DoesNotContain(log, line => line.Contains("together failed", StringComparison.Ordinal));
        Assert.Equal([$"{Mia}/statuses/1", $"{Mia}/statuses/3"], await Node.WithDbAsync(db => db.Replies.OrderBy(r => r.Id).Select(r => r.Uri).ToListAsync()));
        Assert.All(await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().ToListAsync()),
            i => Assert.Equal((InboxState.Done, (string?)null), (i.State, i.LastError)));
    }

    // ---- helpers ----

    private static JObject Like(string id, string objectId) => new() { ["id"] = id, ["type"] = "Like", ["actor"] = Mia, ["object"] = objectId };

    private static JObject Create(int n, string? inReplyTo, Action<JObject>? edit = null)
    {
        var note = new JObject
        {
            ["id"] = $"{Mia}/statuses/{n}", ["type"] = "Note", ["attributedTo"] = Mia, ["to"] = new JArray(Public), ["content"] = $"<p>reply {n}</p>",
        };
        if (inReplyTo is not null) note["inReplyTo"] = inReplyTo;
        edit?.Invoke(note);
        return new JObject { ["id"] = $"{Mia}/statuses/{n}/activity", ["type"] = "Create", ["actor"] = Mia, ["to"] = new JArray(Public), ["object"] = note };
    }

}

public sealed class InboundNulTestsOnPostgres : InboundNulTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
