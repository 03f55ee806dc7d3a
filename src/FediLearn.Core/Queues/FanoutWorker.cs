using System.Diagnostics;
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
/// Expands "send to all followers" into one delivery job per inbox (<see cref="DeliveryQueue.ExpandAsync"/>), in the
/// same transaction that marks the fan-out done: never half expanded, never expanded twice. Relays of replies received
/// in the inbox do not wait for this worker: the inbox expands them in the transaction that stores the reply
/// (<see cref="DeliveryQueue.NewBroadcast"/>, <c>ThreadService</c>).
/// </summary>
public sealed class FanoutWorker(
    IServiceScopeFactory scopes, FanoutSignal fanoutSignal, DeliverySignal signal, IOptions<FediLearnOptions> options, TimeProvider time, ILogger<FanoutWorker> logger)
    : PollingQueueWorker(scopes, fanoutSignal.Signal, "fanout_jobs", options, time, logger)
{
    public override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var ids = await ClaimAsync(db, 8, ct);
        foreach (var id in ids)
        {
            var job = await db.FanoutJobs.FirstAsync(j => j.Id == id, ct);
            var isPublic = await db.OutboundActivities.Where(a => a.Id == job.ActivityId).Select(a => a.IsPublic).FirstAsync(ct);
            var started = Stopwatch.GetTimestamp(); // logged below: the wait for SQLite's writer, the expansion, the commit
            await using var tx = await SqliteWriteGate.BeginAsync(db, ct);
            var inboxes = await DeliveryQueue.ExpandAsync(db, job.ActivityId, job.ActorId, isPublic, Time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            job.State = DeliveryState.Succeeded;
            job.LockedUntil = null;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            logger.LogInformation("Fan-out of activity {Activity}: {Count} inbox(es), queued in {Elapsed:0.0} ms",
                job.ActivityId, inboxes, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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
            // Each chore on its own: one that fails (logged) does not keep the others from their turn in this pass.
            await RunAsync("Scheduled publishing", async services =>
            {
                var published = await services.GetRequiredService<Services.PublishingService>().PublishDueAsync(stoppingToken);
                if (published > 0) logger.LogInformation("Published {Count} scheduled item(s)", published);
            }, stoppingToken);
            await RunAsync("Announcing archived groups", async services =>
            {
                var archived = await services.GetRequiredService<Services.GroupService>().AnnounceArchivesAsync(stoppingToken);
                if (archived > 0) logger.LogInformation("Sent Update{{Group}} for {Count} group(s) archived since the last look", archived);
            }, stoppingToken);
            await RunAsync("Sending vote totals", async services =>
            {
                var totals = await services.GetRequiredService<Services.PublishingService>().SendDueTotalsAsync(stoppingToken);
                if (totals > 0) logger.LogInformation("Sent new vote totals of {Count} check-in(s)", totals);
            }, stoppingToken);
            try { await Task.Delay(_interval, stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
        }
    }

    private async Task RunAsync(string chore, Func<IServiceProvider, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            await work(scope.ServiceProvider);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception e)
        {
            logger.LogError(e, "{Chore} failed; retrying next pass", chore);
        }
    }
}
