using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Storage (issue 7): an applied inbox item keeps its row (the replay guard) but not its body; the retention chore deletes
/// finished queue rows once they are old and nothing else. On a real SQLite file, and on PostgreSQL (RetentionTestsOnPostgres).
/// </summary>
public class RetentionTests : NodeTest
{
    private const string Eve = "https://a.example/users/eve";
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // ---- the inbox worker drops the body of what it applied ----

    [DbFact]
    public async Task An_applied_item_loses_its_body_keeps_its_row_and_a_replay_is_still_a_duplicate()
    {
        await Node.AddRemoteActorAsync(Eve);
        var activity = new JObject { ["id"] = "https://a.example/views/1", ["type"] = "View", ["actor"] = Eve, ["object"] = "https://a.example/notes/1" };
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, Eve));
        Assert.Equal(activity.ToString(Newtonsoft.Json.Formatting.None), (await ItemAsync("https://a.example/views/1")).Json);

        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));

        var item = await ItemAsync("https://a.example/views/1");
        Assert.Equal(InboxState.Done, item.State);
        Assert.Equal("", item.Json);
        Assert.Equal(ReceiveOutcome.Duplicate, await Node.ReceiveAsync(activity, Eve));
        Assert.Equal(1, await Node.WithDbAsync(db => db.InboxItems.CountAsync()));
    }

    [DbFact]
    public async Task On_sqlite_the_space_of_dropped_bodies_is_freed_for_new_rows()
    {
        if (Node.Provider != TestProvider.Sqlite) return; // PostgreSQL reuses the space of an updated row by itself (VACUUM)
        await Node.AddRemoteActorAsync(Eve);
        var padding = new string('x', 1200); // the size of a Mastodon Create{Note}
        for (var i = 0; i < 60; i++)
            await Node.ReceiveAsync(new JObject { ["id"] = $"https://a.example/views/{i}", ["type"] = "View", ["actor"] = Eve, ["content"] = padding }, Eve);
        Assert.Equal(0L, await PragmaAsync("freelist_count"));

        while (await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None) > 0) { }

        Assert.Equal(60, await Node.WithDbAsync(db => db.InboxItems.CountAsync(i => i.State == InboxState.Done && i.Json == "")));
        // An UPDATE that empties the body leaves every page in place, 90 % empty; rewriting the row frees pages.
        Assert.True(await PragmaAsync("freelist_count") >= 10, $"only {await PragmaAsync("freelist_count")} page(s) freed");
    }

    [DbFact]
    public async Task A_failed_item_keeps_its_body_for_the_admins()
    {
        // Its signer is not cached (it deleted itself since): the worker gives the item up at once.
        const string gone = "https://a.example/users/gone";
        var activity = new JObject { ["id"] = "https://a.example/views/2", ["type"] = "View", ["actor"] = gone, ["object"] = "https://a.example/notes/1" };
        await Node.ReceiveAsync(activity, gone);

        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));

        var item = await ItemAsync("https://a.example/views/2");
        Assert.Equal(InboxState.Failed, item.State);
        Assert.Equal(activity.ToString(Newtonsoft.Json.Formatting.None), item.Json);
        await using var scope = Node.Scope();
        var failure = Assert.Single(await scope.ServiceProvider.GetRequiredService<FediLearn.Core.Services.DeliveryAdminService>().FailedInboxAsync(10, CancellationToken.None));
        Assert.Equal("View", failure.Type);
    }

    // ---- the retention chore ----

    [DbFact]
    public async Task The_chore_deletes_old_finished_rows_in_batches_and_keeps_everything_else()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "retention_group");
        var old = Ms(Now - TimeSpan.FromDays(20));
        var recentJob = Ms(Now - TimeSpan.FromDays(3)); // inside FinishedJobs (7 days)
        var recentInbox = Ms(Now - TimeSpan.FromDays(10)); // older than FinishedJobs, inside ProcessedInbox (14 days)
        const int oldDelivered = 25, oldDone = 23; // more than one batch of 10 each

        await Node.WithDbAsync(async db =>
        {
            db.Attach(group);
            var queue = Node.Services.GetRequiredService<DeliveryQueue>();
            var urls = Node.Services.GetRequiredService<ActorUrls>();
            var announce = queue.CreateActivity(db, group, ActivityBuilder.Follow(urls.Actor(group), "https://remote.example/g/x"), isPublic: true);
            var membersOnly = queue.CreateActivity(db, group, ActivityBuilder.Follow(urls.Actor(group), "https://remote.example/g/y"), isPublic: false);
            for (var i = 0; i < oldDelivered; i++) db.DeliveryJobs.Add(Job(announce, $"old-ok-{i}", DeliveryState.Succeeded, old, completed: old));
            db.DeliveryJobs.Add(Job(announce, "recent-ok", DeliveryState.Succeeded, recentJob, completed: recentJob));
            db.DeliveryJobs.Add(Job(announce, "old-pending", DeliveryState.Pending, old));
            db.DeliveryJobs.Add(Job(announce, "old-running", DeliveryState.Running, old, locked: old));
            db.DeliveryJobs.Add(Job(announce, "old-failed", DeliveryState.Failed, old, completed: old));
            db.DeliveryJobs.Add(Job(announce, "old-abandoned", DeliveryState.Abandoned, old, completed: old));
            // A retried delivery: first sent long ago, succeeded only recently.
            db.DeliveryJobs.Add(new DeliveryJob { Activity = announce, Inbox = "https://h.example/retried", Host = "h.example", State = DeliveryState.Succeeded, CreatedAt = old, NextAttemptAt = recentJob, CompletedAt = recentJob });

            for (var i = 0; i < oldDone; i++) db.InboxItems.Add(Item($"old-done-{i}", InboxState.Done, old));
            db.InboxItems.Add(Item("recent-done", InboxState.Done, recentInbox));
            db.InboxItems.Add(Item("old-pending", InboxState.Pending, old));
            db.InboxItems.Add(Item("old-running", InboxState.Running, old));
            db.InboxItems.Add(Item("old-failed", InboxState.Failed, old));

            db.FanoutJobs.Add(Fanout(announce, group, DeliveryState.Succeeded, old));
            db.FanoutJobs.Add(Fanout(membersOnly, group, DeliveryState.Succeeded, old)); // marks "sent to all participants"
            db.FanoutJobs.Add(Fanout(announce, group, DeliveryState.Succeeded, recentJob));
            db.FanoutJobs.Add(Fanout(announce, group, DeliveryState.Pending, old));
            return await db.SaveChangesAsync();
        });
        Assert.Equal(oldDelivered + 6, await Node.WithDbAsync(db => db.DeliveryJobs.CountAsync()));
        Assert.Equal(oldDone + 4, await Node.WithDbAsync(db => db.InboxItems.CountAsync()));
        Assert.Equal(4, await Node.WithDbAsync(db => db.FanoutJobs.CountAsync()));

        var result = await Chore(batchSize: 10).RunOnceAsync(CancellationToken.None);

        Assert.Equal(new RetentionResult(oldDelivered, oldDone, 1), result);
        Assert.Equal(["https://h.example/old-abandoned", "https://h.example/old-failed", "https://h.example/old-pending", "https://h.example/old-running", "https://h.example/recent-ok", "https://h.example/retried"],
            await Node.WithDbAsync(db => db.DeliveryJobs.Select(j => j.Inbox).OrderBy(i => i).ToListAsync()));
        Assert.Equal(["old-failed", "old-pending", "old-running", "recent-done"],
            await Node.WithDbAsync(db => db.InboxItems.Select(i => i.ActivityId).OrderBy(i => i).ToListAsync()));
        var fanouts = await Node.WithDbAsync(db => db.FanoutJobs.AsNoTracking().OrderBy(f => f.Id)
            .Select(f => new { f.Activity!.IsPublic, f.State, f.NextAttemptAt }).ToListAsync());
        Assert.Equal([new { IsPublic = false, State = DeliveryState.Succeeded, NextAttemptAt = old },
                      new { IsPublic = true, State = DeliveryState.Succeeded, NextAttemptAt = recentJob },
                      new { IsPublic = true, State = DeliveryState.Pending, NextAttemptAt = old }], fanouts);

        // A second pass (another process, the next interval) finds nothing more.
        Assert.Equal(new RetentionResult(0, 0, 0), await Chore(batchSize: 10).RunOnceAsync(CancellationToken.None));
    }

    [DbFact]
    public async Task The_replay_guard_outlives_a_retention_pass_until_ProcessedInbox()
    {
        await Node.WithDbAsync(async db =>
        {
            db.InboxItems.Add(Item("https://a.example/likes/1", InboxState.Done, Ms(Now - TimeSpan.FromDays(13))));
            return await db.SaveChangesAsync();
        });
        var like = new JObject { ["id"] = "https://a.example/likes/1", ["type"] = "Like", ["actor"] = Eve, ["object"] = "https://coop.example/x" };

        Assert.Equal(0, (await Chore(batchSize: 10).RunOnceAsync(CancellationToken.None)).InboxItems);
        Assert.Equal(ReceiveOutcome.Duplicate, await Node.ReceiveAsync(like, Eve));

        Assert.Equal(1, (await Chore(batchSize: 10, now: Now + TimeSpan.FromDays(2)).RunOnceAsync(CancellationToken.None)).InboxItems);
        Assert.Equal(0, await Node.WithDbAsync(db => db.InboxItems.CountAsync()));
    }

    // ---- helpers ----

    protected Task SeedOldDoneInboxItemAsync() => Node.WithDbAsync(async db =>
    {
        db.InboxItems.Add(Item("https://a.example/likes/old", InboxState.Done, Ms(Now - TimeSpan.FromDays(30))));
        return await db.SaveChangesAsync();
    });

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static DeliveryJob Job(OutboundActivity activity, string name, DeliveryState state, long at, long? completed = null, long? locked = null) =>
        new() { Activity = activity, Inbox = $"https://h.example/{name}", Host = "h.example", State = state, CreatedAt = at, NextAttemptAt = at, CompletedAt = completed, LockedUntil = locked, Attempts = 1 };

    private static InboxItem Item(string activityId, InboxState state, long at) =>
        new() { ActivityId = activityId, ActorUri = Eve, Json = state == InboxState.Done ? "" : "{}", State = state, ReceivedAt = at, NextAttemptAt = at, Attempts = 1 };

    private static FanoutJob Fanout(OutboundActivity activity, LocalActor actor, DeliveryState state, long at) =>
        new() { Activity = activity, ActorId = actor.Id, State = state, CreatedAt = at, NextAttemptAt = at };

    protected RetentionChore Chore(int batchSize, DateTimeOffset? now = null) =>
        new(Node.Services.GetRequiredService<IServiceScopeFactory>(),
            Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { Retention = { BatchSize = batchSize } }),
            new FixedTime(now ?? Now), NullLogger<RetentionChore>.Instance);

    private Task<long> PragmaAsync(string pragma) => Node.WithDbAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {pragma}";
        return (long)(await command.ExecuteScalarAsync())!;
    });

    private Task<InboxItem> ItemAsync(string activityId) =>
        Node.WithDbAsync(db => db.InboxItems.AsNoTracking().SingleAsync(i => i.ActivityId == activityId));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
