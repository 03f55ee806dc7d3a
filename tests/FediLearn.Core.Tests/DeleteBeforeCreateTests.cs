using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A reply's Delete can reach us before its Create (deliveries are not ordered; a Create is retried). The Delete of an
/// object we did not have was dropped, so the Create that came next stored the reply and the group relayed it to every
/// follower although its author had deleted it. Now such a Delete is remembered (<see cref="RememberedDeletes"/>) when
/// its signer could own the object (the object's host), and the same actor's Create of it is dropped, on the inbox
/// worker's one-by-one and batch paths alike, until the memory expires and the retention chore deletes it.
/// </summary>
public class DeleteBeforeCreateTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Eve = "https://mia.example/users/eve"; // Mia's server, another actor
    private const string Bo = "https://bo.example/users/bo";
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";

    /// <summary>
    /// Mia's Delete of her reply 1 came first: its Create is neither stored nor relayed. Deletes of her reply 2 by Bo
    /// (another server, who cannot own it) and by Eve (her server, but not her) do not stop Mia's own Create of it.
    /// </summary>
    [DbFact]
    public async Task A_reply_whose_Delete_came_first_is_neither_stored_nor_relayed_and_no_one_else_can_block_it()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        foreach (var actor in new[] { Mia, Eve, Bo }) await Node.AddRemoteActorAsync(actor);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");

        await ApplyAsync(Delete(Mia, $"{Mia}/statuses/1"));
        await ApplyAsync(Delete(Bo, $"{Mia}/statuses/2"));
        await ApplyAsync(Delete(Eve, $"{Mia}/statuses/2"));
        await ApplyAsync(Create(Mia, 1, prompt, "Deleted before it came."));
        await ApplyAsync(Create(Mia, 2, prompt, "Deleted by nobody who could."));

        Assert.Equal([$"{Mia}/statuses/2"], await ReplyUrisAsync());
        Assert.Single(await RelayedAsync($"{Mia}/statuses/2"));
        Assert.Empty(await RelayedAsync($"{Mia}/statuses/1"));
        // Bo's Delete was not remembered at all (it could name any server's object); Eve's was, as hers.
        Assert.Equal([($"{Mia}/statuses/1", Mia), ($"{Mia}/statuses/2", Eve)],
            (await Node.WithDbAsync(db => db.DeletedObjects.AsNoTracking().OrderBy(d => d.Uri).ToListAsync())).Select(d => (d.Uri, d.ActorUri)));
        await AssertInboxAllDoneAsync();
    }

    /// <summary>
    /// The inbox worker stores a batch of Creates from one server together (ThreadService.ReceiveBatchAsync): the reply
    /// whose Delete came first was stored and relayed there too. It is dropped (its item done), the others are stored.
    /// </summary>
    [DbFact]
    public async Task A_reply_whose_Delete_came_first_is_dropped_from_a_batch_too()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        foreach (var actor in new[] { Mia, Bo }) await Node.AddRemoteActorAsync(actor);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await ApplyAsync(Delete(Mia, $"{Mia}/statuses/1"));
        await ApplyAsync(Delete(Bo, $"{Bo}/statuses/9")); // Bo's own, another reply: remembered, but not Mia's

        await ReceiveAsync(Create(Mia, 1, prompt, "Deleted before it came."));
        await ReceiveAsync(Create(Mia, 2, prompt, "Still here."));
        await ReceiveAsync(Create(Mia, 3, $"{Mia}/statuses/2", "An answer to the one before, in the same batch."));
        await ReceiveAsync(Create(Bo, 1, prompt, "Bo answers."));
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Assert.Equal(4, await Node.NewInboxWorker(new ListLogger<InboxWorker>(log)).RunOnceAsync(CancellationToken.None));

        Assert.DoesNotContain(log, line => line.Contains("together failed", StringComparison.Ordinal)); // applied as a batch
        Assert.Equal([$"{Bo}/statuses/1", $"{Mia}/statuses/2", $"{Mia}/statuses/3"], await ReplyUrisAsync());
        Assert.Empty(await RelayedAsync($"{Mia}/statuses/1"));
        Assert.Equal(3, (await RelayedAsync("/statuses/")).Count);
        await AssertInboxAllDoneAsync();
    }

    /// <summary>
    /// A remembered Delete counts for <see cref="RememberedDeletes.Lifetime"/> only: a Create that comes later is taken
    /// (the retention chore may not have run yet), one that comes within it is not.
    /// </summary>
    [DbFact]
    public async Task A_Delete_remembered_longer_ago_than_its_lifetime_no_longer_drops_the_Create()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await ApplyAsync(Delete(Mia, $"{Mia}/statuses/1"));
        await ApplyAsync(Delete(Mia, $"{Mia}/statuses/2"));
        var expired = (DateTimeOffset.UtcNow - RememberedDeletes.Lifetime - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds();
        await Node.WithDbAsync(db => db.DeletedObjects.Where(d => d.Uri == $"{Mia}/statuses/1")
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ReceivedAt, expired)));

        await ApplyAsync(Create(Mia, 1, prompt, "Deleted long ago, then posted again with the same id."));
        await ApplyAsync(Create(Mia, 2, prompt, "Deleted a moment ago."));

        Assert.Equal([$"{Mia}/statuses/1"], await ReplyUrisAsync());
        Assert.Single(await RelayedAsync($"{Mia}/statuses/1"));
        Assert.Empty(await RelayedAsync($"{Mia}/statuses/2"));
    }

    /// <summary>The retention chore deletes the remembered Deletes older than their lifetime, in batches, and keeps the others.</summary>
    [DbFact]
    public async Task The_retention_chore_deletes_expired_remembered_Deletes_and_keeps_the_others()
    {
        var now = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var old = (now - RememberedDeletes.Lifetime - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds();
        var recent = (now - RememberedDeletes.Lifetime + TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds();
        await Node.WithDbAsync(async db =>
        {
            for (var i = 0; i < 23; i++) db.DeletedObjects.Add(new DeletedObject { Uri = $"{Mia}/statuses/old-{i}", ActorUri = Mia, ReceivedAt = old });
            db.DeletedObjects.Add(new DeletedObject { Uri = $"{Mia}/statuses/recent", ActorUri = Mia, ReceivedAt = recent });
            return await db.SaveChangesAsync();
        });

        var result = await Chore(now).RunOnceAsync(CancellationToken.None);

        Assert.Equal(new RetentionResult(0, 0, 0, RememberedDeletes: 23), result);
        Assert.Equal([$"{Mia}/statuses/recent"], await Node.WithDbAsync(db => db.DeletedObjects.Select(d => d.Uri).ToListAsync()));
        Assert.Equal(0, (await Chore(now).RunOnceAsync(CancellationToken.None)).RememberedDeletes);
        Assert.Equal(1, (await Chore(now + TimeSpan.FromMinutes(5)).RunOnceAsync(CancellationToken.None)).RememberedDeletes);
    }

    // ---- helpers ----

    private RetentionChore Chore(DateTimeOffset now) =>
        new(Node.Services.GetRequiredService<IServiceScopeFactory>(),
            Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { Retention = { BatchSize = 10 } }),
            new FixedTime(now), NullLogger<RetentionChore>.Instance);

    private static JObject Delete(string actor, string objectId) => new()
    {
        ["id"] = $"{actor}/deletes/{Guid.NewGuid():N}", ["type"] = "Delete", ["actor"] = actor, ["to"] = new JArray(Public),
        ["object"] = new JObject { ["id"] = objectId, ["type"] = "Tombstone" },
    };

    private static JObject Create(string author, int n, string inReplyTo, string text) => new()
    {
        ["id"] = $"{author}/statuses/{n}/activity", ["type"] = "Create", ["actor"] = author, ["to"] = new JArray(Public),
        ["object"] = new JObject
        {
            ["id"] = $"{author}/statuses/{n}", ["type"] = "Note", ["attributedTo"] = author, ["inReplyTo"] = inReplyTo,
            ["to"] = new JArray(Public), ["content"] = $"<p>{text}</p>",
        },
    };

    private async Task ReceiveAsync(JObject activity) =>
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, ActivityJson.GetId(activity["actor"])!));

    /// <summary>Received as the inbox endpoint stores it, then applied by the inbox worker on its own.</summary>
    private async Task ApplyAsync(JObject activity)
    {
        await ReceiveAsync(activity);
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
    }

    private Task<List<string>> ReplyUrisAsync() =>
        Node.WithDbAsync(db => db.Replies.AsNoTracking().OrderBy(r => r.Uri).Select(r => r.Uri).ToListAsync());



    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

}

public sealed class DeleteBeforeCreateTestsOnPostgres : DeleteBeforeCreateTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
