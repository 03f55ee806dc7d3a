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

/// <summary>
/// Processes verified activities from the durable inbox queue, one handler per activity type, at a bounded pace:
/// <c>Inbox:BatchSize</c> claimed at once, at most <c>Inbox:Concurrency</c> applied at the same time. A flood waits in
/// the queue (it was stored before the 202) rather than taking every core and database connection.
/// </summary>
public sealed class InboxWorker(
    IServiceScopeFactory scopes, InboxSignal signal, IOptions<FediLearnOptions> options, TimeProvider time, ILogger<InboxWorker> logger)
    : PollingQueueWorker(scopes, signal.Signal, "inbox_items", options, time, logger)
{
    private const int MaxAttempts = 5;
    private readonly InboxOptions _inbox = options.Value.Inbox;

    public override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<(long Id, string Actor)> claimed;
        using (var scope = Scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var ids = await ClaimAsync(db, _inbox.BatchSize, ct);
            var actors = await db.InboxItems.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.ActorUri, ct);
            claimed = ids.Select(id => (id, actors.GetValueOrDefault(id, ""))).ToList();
        }
        // One server's activities in the order received (a Follow and its Undo may arrive in one batch); servers side by
        // side, so that one whose activities make us wait on a slow fetch does not hold another's Follow.
        var lanes = claimed.GroupBy(c => SenderHost(c.Actor), StringComparer.Ordinal).Select(g => g.OrderBy(c => c.Id).Select(c => c.Id).ToList());
        await Parallel.ForEachAsync(lanes, new ParallelOptions { MaxDegreeOfParallelism = _inbox.Concurrency, CancellationToken = ct },
            async (lane, token) =>
            {
                foreach (var id in lane) await ProcessAsync(id, token);
            });
        return claimed.Count;
    }

    // Activity type → handler class, learnt once from the registered handlers; then only that one is built per item.
    private IReadOnlyDictionary<string, Type>? _handlerTypes;

    private IActivityHandler? HandlerFor(IServiceProvider services, string? type)
    {
        var types = _handlerTypes ??= services.GetServices<IActivityHandler>().GroupBy(h => h.Type, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().GetType(), StringComparer.Ordinal);
        return type is not null && types.TryGetValue(type, out var handlerType) ? (IActivityHandler)services.GetRequiredService(handlerType) : null;
    }

    private static string SenderHost(string actorUri) =>
        Uri.TryCreate(actorUri, UriKind.Absolute, out var uri) ? uri.Authority.ToLowerInvariant() : actorUri;

    private async Task ProcessAsync(long id, CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<FediLearnDbContext>();
        var item = await HotQueries.InboxItemAsync(db, id);
        try
        {
            var activity = ActivityJson.Parse(item.Json);
            var signer = await HotQueries.RemoteActorByUriAsync(db, item.ActorUri);
            if (signer is null)
            {
                // The signer was cached when its signature was checked; only its own self-Delete removes it since.
                logger.LogInformation("Inbox item {Id} ({ActivityId}) dropped: its signer {Actor} has deleted itself", item.Id, item.ActivityId, item.ActorUri);
                item.State = InboxState.Failed;
                item.LastError = "the signer has deleted itself";
            }
            else
            {
                await MarkHostAliveAsync(db, signer.Host, ct);
                var type = ActivityJson.GetTypes(activity).FirstOrDefault();
                var handler = HandlerFor(services, type);
                if (handler is null)
                    logger.LogDebug("No handler for {Type} {Id}; stored and ignored", type, item.ActivityId);
                else
                    await handler.HandleAsync(new InboxContext(activity, signer), ct);
                item.State = InboxState.Done;
                item.LastError = null;
                // Applied: the body has done its work and nothing reads it again (storage target, issue 7). The row and
                // its unique activity_id stay: they turn a replay into a Duplicate (security.md case 31) until the
                // retention chore deletes the row. "" rather than NULL keeps the column NOT NULL on both providers
                // without a migration; a received body is never empty (it was parsed as a JSON object).
                item.Json = "";
            }
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
        if (item.State != InboxState.Done || !db.Database.IsSqlite())
        {
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }
        // SQLite never merges pages when an UPDATE shrinks a row, only when a DELETE leaves a page underfull: an emptied
        // body would stay behind as ~1.2 KB of dead space in its page (the storage benchmark measured no gain at all).
        // So the row is written again, deleted and inserted under the same id, in the transaction that records the
        // handler's changes. Other connections see the old row or the new one, never neither (WAL snapshot), and a
        // concurrent receipt of the same activity waits for this write and then meets the unique activity_id.
        await using var tx = await SqliteWriteGate.BeginAsync(db, CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None);
        await db.Database.ExecuteSqlRawAsync("DELETE FROM inbox_items WHERE id = {0}", [item.Id], CancellationToken.None);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO inbox_items (id, activity_id, actor_uri, json, state, attempts, received_at, next_attempt_at, locked_until, last_error)
            VALUES ({0}, {1}, {2}, '', {3}, {4}, {5}, {6}, NULL, NULL)
            """, [item.Id, item.ActivityId, item.ActorUri, (int)item.State, item.Attempts, item.ReceivedAt, item.NextAttemptAt], CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
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
