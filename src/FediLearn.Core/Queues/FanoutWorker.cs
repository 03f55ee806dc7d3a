using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Queues;

/// <summary>
/// Expands "send to all followers" into one delivery job per inbox, followers on one server sharing its shared inbox.
/// One INSERT … SELECT in the database, in the same transaction that marks the fan-out done: never half expanded,
/// never expanded twice, and no follower list is loaded into memory however large the group. A members-only group's
/// activities (not public) go to each approved follower's own inbox instead: no server's shared inbox is trusted to
/// sort out who may see them. Jobs are inserted round-robin across hosts (the first inbox of every host, then the
/// second…): claims take jobs in id order, so a server with many inboxes (personal inboxes of a members-only group)
/// does not fill a claim with jobs that must wait for its <c>PerHostConcurrency</c> while other servers' wait behind them.
/// </summary>
public sealed class FanoutWorker(
    IServiceScopeFactory scopes, FanoutSignal fanoutSignal, DeliverySignal signal, IOptions<FediLearnOptions> options, TimeProvider time, ILogger<FanoutWorker> logger)
    : PollingQueueWorker(scopes, fanoutSignal.Signal, "fanout_jobs", options, time, logger)
{
    private const string ExpandSql = """
        INSERT INTO delivery_jobs (activity_id, inbox, host, state, attempts, next_attempt_at, created_at)
        SELECT {0}, t.inbox, t.host, 0, 0, {1}, {1}
        FROM (SELECT CASE WHEN {3} = 1 THEN COALESCE(r.shared_inbox, r.inbox) ELSE r.inbox END AS inbox, MIN(r.host) AS host
              FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id
              WHERE f.local_actor_id = {2} AND f.state = 1
              GROUP BY CASE WHEN {3} = 1 THEN COALESCE(r.shared_inbox, r.inbox) ELSE r.inbox END) t
        ORDER BY ROW_NUMBER() OVER (PARTITION BY t.host ORDER BY t.inbox), t.host
        """;

    public override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var ids = await ClaimAsync(db, 8, ct);
        foreach (var id in ids)
        {
            var job = await db.FanoutJobs.FirstAsync(j => j.Id == id, ct);
            var isPublic = await db.OutboundActivities.Where(a => a.Id == job.ActivityId).Select(a => a.IsPublic).FirstAsync(ct);
            await using var tx = await SqliteWriteGate.BeginAsync(db, ct);
            var inboxes = await db.Database.ExecuteSqlRawAsync(ExpandSql, [job.ActivityId, Time.GetUtcNow().ToUnixTimeMilliseconds(), job.ActorId, isPublic ? 1 : 0], ct);
            job.State = DeliveryState.Succeeded;
            job.LockedUntil = null;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            logger.LogInformation("Fan-out of activity {Activity}: {Count} inbox(es)", job.ActivityId, inboxes);
        }
        if (ids.Count > 0) signal.Signal.Notify();
        return ids.Count;
    }
}

/// <summary>
/// Publishes scheduled items when their time comes: checked every Delivery:ScheduleInterval (15 s), and at start, so
/// nothing is missed across a restart. Every app process runs this loop; PublishingService.PublishDueAsync claims each
/// item with a conditional UPDATE, so exactly one process publishes it.
/// </summary>
public sealed class PublishScheduler(IServiceScopeFactory scopes, IOptions<FediLearnOptions> options, ILogger<PublishScheduler> logger) : BackgroundService
{
    private readonly TimeSpan _interval = options.Value.Delivery.ScheduleInterval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var scope = scopes.CreateScope();
                var published = await scope.ServiceProvider.GetRequiredService<Services.PublishingService>().PublishDueAsync(stoppingToken);
                if (published > 0) logger.LogInformation("Published {Count} scheduled item(s)", published);
                await Task.Delay(_interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Scheduled publishing failed; retrying shortly");
                await Task.Delay(_interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
