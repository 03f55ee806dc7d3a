using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Queues;

/// <summary>Processes verified activities from the durable inbox queue, one handler per activity type.</summary>
public sealed class InboxWorker(
    IServiceScopeFactory scopes, InboxSignal signal, IOptions<FediLearnOptions> options, TimeProvider time, ILogger<InboxWorker> logger)
    : PollingQueueWorker(scopes, signal.Signal, "inbox_items", options, time, logger)
{
    private const int MaxAttempts = 5;
    private const int BatchSize = 16;

    public override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<long> ids;
        using (var scope = Scopes.CreateScope())
            ids = await ClaimAsync(scope.ServiceProvider.GetRequiredService<FediLearnDbContext>(), BatchSize, ct);
        // In order: a Follow and its Undo may arrive in one batch.
        foreach (var id in ids) await ProcessAsync(id, ct);
        return ids.Count;
    }

    private async Task ProcessAsync(long id, CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<FediLearnDbContext>();
        var item = await db.InboxItems.FirstAsync(i => i.Id == id, ct);
        try
        {
            var activity = ActivityJson.Parse(item.Json);
            var signer = await db.RemoteActors.FirstOrDefaultAsync(a => a.Uri == item.ActorUri, ct)
                ?? throw new InvalidOperationException($"signer {item.ActorUri} is not in the actor cache");
            await MarkHostAliveAsync(db, signer.Host, ct);
            var type = ActivityJson.GetTypes(activity).FirstOrDefault();
            var handler = services.GetServices<IActivityHandler>().FirstOrDefault(h => h.Type == type);
            if (handler is null)
                logger.LogDebug("No handler for {Type} {Id}; stored and ignored", type, item.ActivityId);
            else
                await handler.HandleAsync(new InboxContext(activity, signer), ct);
            item.State = InboxState.Done;
            item.LastError = null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Processing inbox item {Id} ({ActivityId}) failed", item.Id, item.ActivityId);
            db.ChangeTracker.Clear();
            db.Attach(item);
            item.LastError = e.Message;
            item.State = item.Attempts >= MaxAttempts ? InboxState.Failed : InboxState.Pending;
            item.NextAttemptAt = (Time.GetUtcNow() + RetryPolicy.Delay(item.Attempts, Options, null, Random.Shared)).ToUnixTimeMilliseconds();
        }
        item.LockedUntil = null;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>A dead host that talks to us again is alive (federation.md item 24).</summary>
    private static async Task MarkHostAliveAsync(FediLearnDbContext db, string host, CancellationToken ct)
    {
        var row = await db.RemoteHosts.FindAsync([host], ct);
        if (row is { Dead: true } or { FailingSince: not null })
        {
            row.Dead = false;
            row.FailingSince = null;
        }
    }
}
