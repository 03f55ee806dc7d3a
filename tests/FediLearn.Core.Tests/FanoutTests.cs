using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// The fan-out worker's one INSERT … SELECT (raw SQL, so run on both providers: FanoutTestsOnPostgres): an activity for
/// all followers becomes one delivery job per shared inbox when public, one per follower's own inbox when members-only.
/// </summary>
public class FanoutTests : NodeTest
{
    [DbFact]
    public async Task Public_activity_goes_once_to_each_shared_inbox_and_pending_followers_get_nothing()
    {
        var group = await SetUpAsync(membersOnly: false);

        Assert.Equal(1, await RunFanoutAsync());

        var jobs = await JobsAsync();
        Assert.Equal(
            [("https://a.example/inbox", "a.example"), ("https://b.example/users/b1/inbox", "b.example")],
            jobs);
        Assert.Equal(DeliveryState.Succeeded, await Node.WithDbAsync(db => db.FanoutJobs.Where(j => j.ActorId == group.Id).Select(j => j.State).SingleAsync()));
        Assert.Equal(0, await RunFanoutAsync()); // never expanded twice
    }

    [DbFact]
    public async Task Members_only_activity_goes_to_each_approved_followers_own_inbox()
    {
        await SetUpAsync(membersOnly: true);

        Assert.Equal(1, await RunFanoutAsync());

        Assert.Equal(
            [
                ("https://a.example/users/a1/inbox", "a.example"),
                ("https://a.example/users/a2/inbox", "a.example"),
                ("https://b.example/users/b1/inbox", "b.example"),
            ],
            await JobsAsync());
    }

    /// <summary>
    /// Claims take jobs in id order and each host gets at most Delivery:PerHostConcurrency at once: jobs are numbered
    /// round-robin across hosts, so one server with many inboxes does not fill the first claims while others wait.
    /// </summary>
    [DbFact]
    public async Task Jobs_are_numbered_round_robin_across_hosts()
    {
        await SetUpAsync(membersOnly: true);
        var c2 = await Node.AddRemoteActorAsync("https://c.example/users/c2");
        var a3 = await Node.AddRemoteActorAsync("https://a.example/users/a3");
        await Node.WithDbAsync(async db =>
        {
            var group = await db.LocalActors.SingleAsync(a => a.Name == "fanout_group");
            foreach (var actor in new[] { c2, a3 })
                db.Followers.Add(new Follower
                {
                    LocalActorId = group.Id, RemoteActorId = actor.Id, ActorUri = actor.Uri, FollowActivityId = actor.Uri + "#follow",
                    FollowJson = "{}", State = FollowState.Accepted, CreatedAt = DateTime.UtcNow,
                });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(1, await RunFanoutAsync());

        var hosts = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().OrderBy(j => j.Id).Select(j => j.Host).ToListAsync());
        // a.example has 3 inboxes, b.example and c.example 1 each: a, b, c first, then a's second and third.
        Assert.Equal(["a.example", "b.example", "c.example", "a.example", "a.example"], hosts);
    }

    /// <summary>
    /// The followers' delivery inbox is kept by the database (migration 0013): a remote actor that moves its shared
    /// inbox, or loses it, or a follower row written by raw SQL, are delivered where the remote actor says now.
    /// </summary>
    [DbFact]
    public async Task A_followers_delivery_inbox_follows_its_remote_actor_on_every_write_path()
    {
        var group = await SetUpAsync(membersOnly: false);
        var d1 = await Node.AddRemoteActorAsync("https://d.example/users/d1");
        await Node.WithDbAsync(async db =>
        {
            // Tracked entities changed and saved, as RemoteActorResolver refreshes an actor.
            var a1 = await db.RemoteActors.SingleAsync(r => r.Uri == "https://a.example/users/a1");
            a1.SharedInbox = "https://a.example/new-shared-inbox";
            var b1 = await db.RemoteActors.SingleAsync(r => r.Uri == "https://b.example/users/b1");
            b1.SharedInbox = "https://b.example/inbox";
            await db.SaveChangesAsync();
            // a2 loses its shared inbox in a bulk update.
            await db.RemoteActors.Where(r => r.Uri == "https://a.example/users/a2").ExecuteUpdateAsync(s => s.SetProperty(r => r.SharedInbox, (string?)null));
            // A follower row written as the benchmarks and the copier write them.
            return await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO followers (local_actor_id, remote_actor_id, actor_uri, follow_activity_id, follow_json, state, created_at) VALUES ({0}, {1}, {2}, {3}, '{{}}', 1, {4})",
                group.Id, d1.Id, d1.Uri, d1.Uri + "#follow", DateTime.UtcNow);
        });

        Assert.Equal(
            [
                ("https://a.example/users/a1", "https://a.example/new-shared-inbox", "a.example"),
                ("https://a.example/users/a2", "https://a.example/users/a2/inbox", "a.example"),
                ("https://b.example/users/b1", "https://b.example/inbox", "b.example"),
                ("https://c.example/users/c1", "https://c.example/inbox", "c.example"),
                ("https://d.example/users/d1", "https://d.example/inbox", "d.example"),
            ],
            await DeliveryInboxesAsync(group));

        Assert.Equal(1, await RunFanoutAsync());
        Assert.Equal(
            [
                ("https://a.example/new-shared-inbox", "a.example"),
                ("https://a.example/users/a2/inbox", "a.example"),
                ("https://b.example/inbox", "b.example"),
                ("https://d.example/inbox", "d.example"),
            ],
            await JobsAsync());
    }

    [DbFact]
    public async Task A_delivery_inbox_written_by_hand_is_put_right_by_the_database()
    {
        var group = await SetUpAsync(membersOnly: false);
        await Node.WithDbAsync(db => db.Followers.Where(f => f.ActorUri == "https://b.example/users/b1")
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.DeliveryInbox, "https://elsewhere.example/inbox").SetProperty(f => f.DeliveryHost, "elsewhere.example")));

        Assert.Contains(("https://b.example/users/b1", "https://b.example/users/b1/inbox", "b.example"), await DeliveryInboxesAsync(group));
    }

    /// <summary>
    /// On SQLite a public fan-out groups the followers straight from their delivery-inbox index, in order: no join with
    /// remote_actors and no temporary B-tree for the GROUP BY (the 10,000-follower case of docs/performance.md).
    /// </summary>
    [DbFact]
    public async Task On_sqlite_a_public_fan_out_reads_the_followers_delivery_inbox_index_in_order()
    {
        if (Node.Provider != TestProvider.Sqlite) return; // PostgreSQL has no such index (PostgresModel)
        await Node.AddActorAsync(ActorKind.Group, "fanout_group");
        var plan = await Node.SqlitePlanAsync(DeliveryQueue.PublicInboxesSql.Replace("{1}", "1"));

        Assert.Equal(["SEARCH f USING COVERING INDEX ix_followers_local_actor_id_state_delivery_inbox_delivery_host (local_actor_id=? AND state=?)"], plan);
    }

    private async Task<LocalActor> SetUpAsync(bool membersOnly)
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "fanout_group");
        var a1 = await Node.AddRemoteActorAsync("https://a.example/users/a1");
        var a2 = await Node.AddRemoteActorAsync("https://a.example/users/a2");
        var b1 = await Node.AddRemoteActorAsync("https://b.example/users/b1");
        var pending = await Node.AddRemoteActorAsync("https://c.example/users/c1");
        await Node.WithDbAsync(async db =>
        {
            await db.RemoteActors.Where(r => r.Id == b1.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.SharedInbox, (string?)null));
            foreach (var (actor, state) in new[] { (a1, FollowState.Accepted), (a2, FollowState.Accepted), (b1, FollowState.Accepted), (pending, FollowState.Pending) })
            {
                db.Followers.Add(new Follower
                {
                    LocalActorId = group.Id, RemoteActorId = actor.Id, ActorUri = actor.Uri, FollowActivityId = actor.Uri + "#follow",
                    FollowJson = "{}", State = state, CreatedAt = DateTime.UtcNow,
                });
            }
            return await db.SaveChangesAsync();
        });

        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var urls = scope.ServiceProvider.GetRequiredService<ActorUrls>();
        db.Attach(group);
        group.MembersOnly = membersOnly;
        var note = new JObject
        {
            ["type"] = "Create",
            ["actor"] = urls.Actor(group),
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["cc"] = new JArray(urls.Followers(group)),
            ["object"] = new JObject { ["type"] = "Note", ["attributedTo"] = urls.Actor(group), ["content"] = "hello" },
        };
        scope.ServiceProvider.GetRequiredService<DeliveryQueue>().Broadcast(db, group, note);
        await db.SaveChangesAsync();
        return group;
    }

    private Task<List<(string Actor, string? Inbox, string? Host)>> DeliveryInboxesAsync(LocalActor group) =>
        Node.WithDbAsync(async db => (await db.Followers.AsNoTracking().Where(f => f.LocalActorId == group.Id)
                .Select(f => new { f.ActorUri, f.DeliveryInbox, f.DeliveryHost }).ToListAsync())
            .Select(f => (f.ActorUri, f.DeliveryInbox, f.DeliveryHost)).OrderBy(f => f.ActorUri, StringComparer.Ordinal).ToList());

    private Task<int> RunFanoutAsync() =>
        ActivatorUtilities.CreateInstance<FanoutWorker>(Node.Services).RunOnceAsync(CancellationToken.None);

    private async Task<List<(string Inbox, string Host)>> JobsAsync()
    {
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Select(j => new { j.Inbox, j.Host, j.State }).ToListAsync());
        Assert.All(jobs, j => Assert.Equal(DeliveryState.Pending, j.State));
        return jobs.Select(j => (j.Inbox, j.Host)).OrderBy(j => j.Inbox, StringComparer.Ordinal).ToList();
    }
}

public sealed class FanoutTestsOnPostgres : FanoutTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
