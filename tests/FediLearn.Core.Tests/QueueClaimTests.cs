using System.Collections.Concurrent;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>The durable delivery queue on a real SQLite file (and on PostgreSQL: QueueClaimTestsOnPostgres): atomic claims, lease expiry, start-up recovery.</summary>
public class QueueClaimTests : NodeTest
{
    private const string Table = "delivery_jobs";
    private static readonly long FarFuture = DateTimeOffset.UtcNow.AddYears(1).ToUnixTimeMilliseconds();

    [DbFact]
    public async Task Concurrent_claimers_never_get_the_same_job_and_together_get_every_job()
    {
        var ids = await EnqueueAsync(200);
        var claims = new ConcurrentBag<long>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;

        async Task ClaimLoopAsync()
        {
            while (true)
            {
                await using var scope = Node.Scope();
                var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
                var batch = await QueueClaims.ClaimAsync(db, Table, 7, now, FarFuture, CancellationToken.None);
                if (batch.Count == 0) return;
                foreach (var id in batch) claims.Add(id);
                await Task.Yield();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(ClaimLoopAsync)));

        var duplicates = claims.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"jobs handed out twice: {string.Join(", ", duplicates)}");
        Assert.Equal(ids.Order(), claims.Order());
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().ToListAsync());
        Assert.All(jobs, j =>
        {
            Assert.Equal(DeliveryState.Running, j.State);
            Assert.Equal(1, j.Attempts);
            Assert.Equal(FarFuture, j.LockedUntil);
        });
    }

    [DbFact]
    public async Task Jobs_not_yet_due_are_not_claimed()
    {
        await EnqueueAsync(1);
        var past = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        Assert.Empty(await ClaimAsync(past, past + 60_000));
    }

    [DbFact]
    public async Task Running_job_with_expired_lease_is_claimable_again_and_not_before()
    {
        var id = Assert.Single(await EnqueueAsync(1));
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        var lease = t0 + 120_000;

        Assert.Equal([id], await ClaimAsync(t0, lease));
        Assert.Empty(await ClaimAsync(t0 + 60_000, t0 + 180_000)); // lease still held
        Assert.Empty(await ClaimAsync(lease, lease + 120_000)); // held up to and including lease end

        Assert.Equal([id], await ClaimAsync(lease + 1, lease + 121_000)); // its worker died: due again
        var job = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().SingleAsync(j => j.Id == id));
        Assert.Equal(DeliveryState.Running, job.State);
        Assert.Equal(2, job.Attempts);
        Assert.Equal(lease + 121_000, job.LockedUntil);
    }

    /// <summary>
    /// A claim takes the earliest jobs by (next_attempt_at, id) among both kinds it may take, due ones and running ones
    /// whose lease ran out, and no more than its limit: on SQLite the two kinds are read as separate ordered selects
    /// and merged, which must give the same jobs as one ordered list of both would.
    /// </summary>
    [DbFact]
    public async Task A_claim_merges_due_jobs_and_expired_leases_in_due_order_up_to_its_limit()
    {
        var ids = await EnqueueAsync(8);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        await Node.WithDbAsync(async db =>
        {
            // ids[0..3] due at t0+10, t0+40, t0+20, t0+60; ids[4..5] running, leases out, due since t0+30 and t0+5;
            // ids[6] running, lease held; ids[7] due only later.
            long[] due = [t0 + 10, t0 + 40, t0 + 20, t0 + 60, t0 + 30, t0 + 5, t0, t0 + 500_000];
            for (var i = 0; i < ids.Count; i++)
            {
                var (state, lockedUntil) = i switch
                {
                    4 or 5 => (DeliveryState.Running, t0 + 50),
                    6 => (DeliveryState.Running, t0 + 900_000),
                    _ => (DeliveryState.Pending, (long?)null),
                };
                var at = due[i];
                await db.DeliveryJobs.Where(j => j.Id == ids[i]).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.State, state).SetProperty(j => j.NextAttemptAt, at).SetProperty(j => j.LockedUntil, lockedUntil));
            }
            return 0;
        });
        var now = t0 + 100;

        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        // Earliest first: ids[5] (t0+5), ids[0] (t0+10), ids[2] (t0+20), ids[4] (t0+30); ids[6] is earlier but held.
        Assert.Equal(new[] { ids[5], ids[0], ids[2], ids[4] }.Order(), (await QueueClaims.ClaimAsync(db, Table, 4, now, FarFuture, CancellationToken.None)).Order());
        Assert.Equal(new[] { ids[1], ids[3] }.Order(), (await QueueClaims.ClaimAsync(db, Table, 4, now, FarFuture, CancellationToken.None)).Order());
        Assert.Empty(await QueueClaims.ClaimAsync(db, Table, 4, now, FarFuture, CancellationToken.None));
    }

    /// <summary>On SQLite a claim reads the queue's index in order and stops at its limit, however many jobs wait.</summary>
    [DbFact]
    public async Task On_sqlite_a_claim_reads_due_jobs_from_the_queue_index_without_sorting_them_all()
    {
        if (Node.Provider != TestProvider.Sqlite) return; // PostgreSQL's claim is a locking CTE of its own
        var plan = await Node.SqlitePlanAsync(QueueClaims.ClaimSql(Table, postgres: false, "id")
            .Replace("{0}", "1").Replace("{1}", "2").Replace("{2}", "16"));

        Assert.Contains("SEARCH delivery_jobs USING COVERING INDEX ix_delivery_jobs_state_next_attempt_at (state=? AND next_attempt_at<?)", plan);
        Assert.DoesNotContain(plan, l => l.Contains("MULTI-INDEX OR", StringComparison.Ordinal));
    }

    [DbFact]
    public async Task ReleaseAll_makes_running_jobs_due_now()
    {
        var ids = await EnqueueAsync(3);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        Assert.Equal(3, (await ClaimAsync(t0, FarFuture)).Count);
        Assert.Empty(await ClaimAsync(t0 + 1, FarFuture));

        var released = await Node.WithDbAsync(db => QueueClaims.ReleaseAllAsync(db, Table, t0 + 2, CancellationToken.None));

        Assert.Equal(3, released);
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().ToListAsync());
        Assert.All(jobs, j =>
        {
            Assert.Equal(DeliveryState.Pending, j.State);
            Assert.Null(j.LockedUntil);
            Assert.Equal(t0 + 2, j.NextAttemptAt);
        });
        Assert.Equal(ids.Order(), (await ClaimAsync(t0 + 2, FarFuture)).Order());
    }

    [DbFact]
    public async Task ReleaseAll_leaves_finished_jobs_alone()
    {
        var ids = await EnqueueAsync(2);
        await Node.WithDbAsync(async db =>
        {
            var done = await db.DeliveryJobs.SingleAsync(j => j.Id == ids[0]);
            done.State = DeliveryState.Succeeded;
            return await db.SaveChangesAsync();
        });
        var released = await Node.WithDbAsync(db => QueueClaims.ReleaseAllAsync(db, Table, 0, CancellationToken.None));
        Assert.Equal(0, released);
        var states = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().OrderBy(j => j.Id).Select(j => j.State).ToListAsync());
        Assert.Equal([DeliveryState.Succeeded, DeliveryState.Pending], states);
    }

    [DbFact]
    public async Task A_delivery_claim_returns_each_claimed_job_with_what_sending_it_needs()
    {
        var ids = await EnqueueAsync(5);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        var claimed = await Node.WithDbAsync(db => QueueClaims.ClaimDeliveriesAsync(db, 3, now, FarFuture, CancellationToken.None));

        Assert.Equal(ids.Take(3), claimed.Select(c => c.Id).Order());
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().ToDictionaryAsync(j => j.Id));
        Assert.All(claimed, c =>
        {
            var job = jobs[c.Id];
            Assert.Equal((job.ActivityId, job.Inbox, job.Host, 1), (c.ActivityId, c.Inbox, c.Host, c.Attempts));
            Assert.Equal(DeliveryState.Running, job.State);
            Assert.Equal(FarFuture, job.LockedUntil);
        });
        Assert.All(ids.Skip(3), id => Assert.Equal(DeliveryState.Pending, jobs[id].State));
    }

    [DbFact]
    public async Task Completing_deliveries_in_one_statement_touches_only_those_jobs_and_marks_their_hosts_alive()
    {
        var ids = await EnqueueAsync(4);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        await ClaimAsync(now, FarFuture);
        await Node.WithDbAsync(async db =>
        {
            db.RemoteHosts.Add(new RemoteHost { Host = "host1.example", Dead = true, FailingSince = 5, LastFailureAt = 6 });
            return await db.SaveChangesAsync();
        });

        var updated = await Node.WithDbAsync(db => QueueClaims.CompleteDeliveriesAsync(db, [ids[0], ids[1]], 202, now + 5, CancellationToken.None));
        await Node.WithDbAsync(async db => { await QueueClaims.MarkHostsAliveAsync(db, ["host1.example", "host0.example", "host1.example"], now + 5, CancellationToken.None); return 0; });

        Assert.Equal(2, updated);
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().OrderBy(j => j.Id).ToListAsync());
        Assert.All(jobs.Take(2), j =>
        {
            Assert.Equal(DeliveryState.Succeeded, j.State);
            Assert.Equal(202, j.LastStatus);
            Assert.Null(j.LockedUntil);
            Assert.Null(j.LastError);
            Assert.Equal(now + 5, j.CompletedAt);
        });
        Assert.All(jobs.Skip(2), j => Assert.Equal((DeliveryState.Running, (long?)null), (j.State, j.CompletedAt)));
        var hosts = await Node.WithDbAsync(db => db.RemoteHosts.AsNoTracking().OrderBy(h => h.Host).ToListAsync());
        Assert.Equal(["host0.example", "host1.example"], hosts.Select(h => h.Host));
        Assert.All(hosts, h => Assert.Equal((false, (long?)null, (long?)(now + 5)), (h.Dead, h.FailingSince, h.LastSuccessAt)));
        Assert.Equal(6, hosts[1].LastFailureAt);
    }

    [DbFact]
    public async Task Claims_refuse_tables_that_are_not_queues()
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        await Assert.ThrowsAsync<ArgumentException>(() => QueueClaims.ClaimAsync(db, "local_actors", 1, 0, 0, CancellationToken.None));
    }

    private async Task<List<long>> ClaimAsync(long now, long leaseUntil)
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        return await QueueClaims.ClaimAsync(db, Table, 100, now, leaseUntil, CancellationToken.None);
    }

    protected async Task<List<long>> EnqueueAsync(int count)
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "queue_group");
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var queue = scope.ServiceProvider.GetRequiredService<DeliveryQueue>();
        var urls = scope.ServiceProvider.GetRequiredService<ActorUrls>();
        db.Attach(group);
        var activity = queue.CreateActivity(db, group, ActivityBuilder.Follow(urls.Actor(group), "https://remote.example/g/x"), isPublic: false);
        queue.Enqueue(db, activity, Enumerable.Range(0, count).Select(i => $"https://host{i % 10}.example/users/u{i}/inbox"));
        await db.SaveChangesAsync();
        var ids = await db.DeliveryJobs.AsNoTracking().OrderBy(j => j.Id).Select(j => j.Id).ToListAsync();
        Assert.Equal(count, ids.Count);
        return ids;
    }
}
