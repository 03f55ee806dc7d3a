using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Queues;

/// <summary>
/// Processes verified activities from the durable inbox queue, one handler per activity type, at a bounded pace:
/// <c>Inbox:BatchSize</c> claimed at once, at most <c>Inbox:Concurrency</c> applied at the same time. A flood waits in
/// the queue (it was stored before the 202) rather than taking every core and database connection.
/// </summary>
public sealed class InboxWorker(
    IServiceScopeFactory scopes, InboxSignal signal, ParsedActivityHandoff handoff, IOptions<FediLearnOptions> options, TimeProvider time,
    ILogger<InboxWorker> logger)
    : PollingQueueWorker(scopes, signal.Signal, "inbox_items", options, time, logger)
{
    private const int MaxAttempts = 5;
    private readonly InboxOptions _inbox = options.Value.Inbox;

    public override async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<InboxItem> claimed;
        using (var scope = Scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var ids = await ClaimAsync(db, _inbox.BatchSize, ct);
            if (ids.Count == 0) return 0;
            // The whole batch in one read, as claimed (state, attempts and lease included). EF.Parameter here and in the
            // batch's other lookups: the list travels as one parameter (json_each on SQLite, an array on PostgreSQL), so
            // the SQL is the same for every batch size. EF 10's default, one parameter per value, builds the command
            // again for each execution (docs/performance.md, "The batch's lists as one parameter").
            claimed = await db.InboxItems.AsNoTracking().Where(i => EF.Parameter(ids).Contains(i.Id)).ToListAsync(ct);
            await MarkHostsAliveAsync(db, claimed.Select(i => SenderHost(i.ActorUri)), ct);
        }
        var applied = new System.Collections.Concurrent.ConcurrentBag<InboxItem>();
        try
        {
            var rest = await ApplyRepliesAsync(claimed, ct);
            // One server's activities in the order received (a Follow and its Undo may arrive in one batch); servers side
            // by side, so that one whose activities make us wait on a slow fetch does not hold another's Follow.
            var lanes = rest.GroupBy(c => SenderHost(c.Item.ActorUri), StringComparer.Ordinal).Select(g => g.OrderBy(c => c.Item.Id).ToList());
            await Parallel.ForEachAsync(lanes, new ParallelOptions { MaxDegreeOfParallelism = _inbox.Concurrency, CancellationToken = ct },
                async (lane, token) =>
                {
                    foreach (var (item, activity) in lane)
                        if (await ProcessAsync(item, activity, token) is { } done) applied.Add(done);
                });
        }
        finally
        {
            // Even when stopping: what was applied is marked so, and is not applied a second time after the restart.
            await CompleteAsync(applied, CancellationToken.None);
        }
        return claimed.Count;
    }

    /// <summary>
    /// The batch's replies first, all at once (<see cref="ObjectActivityHandler.Create.HandleRepliesAsync"/>: one write
    /// transaction instead of one per reply, issue 7) from the servers that sent nothing but Creates in this batch; a
    /// server whose activities include anything else keeps its order, one by one. Replies from different servers were
    /// never ordered (their lanes run side by side). Returns the items left for <see cref="ProcessAsync"/>, each with
    /// its parsed JSON when it parsed; when the batch fails as a whole (another node stored one of its replies
    /// meanwhile, say), nothing of it was written and every item is left, to be applied on its own, where a replay is a
    /// no-op.
    /// </summary>
    private async Task<List<(InboxItem Item, JObject? Activity)>> ApplyRepliesAsync(List<InboxItem> claimed, CancellationToken ct)
    {
        var parsed = claimed.Select(i => (Item: i, Activity: handoff.Take(i.Id) ?? TryParse(i.Json))).ToList();
        var creates = parsed.GroupBy(p => SenderHost(p.Item.ActorUri), StringComparer.Ordinal)
            .Where(lane => lane.All(p => p.Activity is not null && ActivityJson.GetTypes(p.Activity).FirstOrDefault() == "Create"))
            .SelectMany(lane => lane).OrderBy(p => p.Item.Id).ToList();
        if (creates.Count < 2) return parsed;

        HashSet<InboxItem> done;
        try
        {
            done = await ApplyTogetherAsync(creates, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogInformation(e, "Applying {Count} inbox items together failed; applying them one by one", creates.Count);
            return parsed;
        }
        return parsed.Where(p => !done.Contains(p.Item)).ToList();
    }

    private async Task<HashSet<InboxItem>> ApplyTogetherAsync(List<(InboxItem Item, JObject? Activity)> creates, CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        // The batch's signers in one query (a batch of 128 may come from 128 servers).
        var uris = creates.Select(c => c.Item.ActorUri).Distinct(StringComparer.Ordinal).ToList();
        var signers = await db.RemoteActors.Where(a => EF.Parameter(uris).Contains(a.Uri)).ToDictionaryAsync(a => a.Uri, StringComparer.Ordinal, ct);
        var contexts = new List<InboxContext>();
        var items = new List<InboxItem>();
        foreach (var (item, activity) in creates)
        {
            if (!signers.TryGetValue(item.ActorUri, out var signer)) continue; // dropped by ProcessAsync, which says why
            contexts.Add(new InboxContext(activity!, signer));
            items.Add(item);
        }
        // Marked done in the transaction that stores them: one write transaction less per batch, and a crash in between
        // can no longer apply them twice.
        var taken = await scope.ServiceProvider.GetRequiredService<ObjectActivityHandler.Create>()
            .HandleRepliesAsync(contexts, (done, t) => MarkDoneAsync(db, [.. done.Select(i => items[i])], t), ct);
        return taken.Select(i => items[i]).ToHashSet();
    }

    private static JObject? TryParse(string json)
    {
        try
        {
            return ActivityJson.Parse(json);
        }
        catch (ActivityJsonException)
        {
            return null; // ProcessAsync parses it again and records the error
        }
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

    /// <summary>
    /// Applies one item. Returns it when it was applied: it is then marked done with the rest of the batch
    /// (<see cref="CompleteAsync"/>); a failure or a dropped item is recorded here, item by item.
    /// </summary>
    private async Task<InboxItem?> ProcessAsync(InboxItem item, JObject? parsed, CancellationToken ct)
    {
        using var scope = Scopes.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<FediLearnDbContext>();
        try
        {
            var activity = parsed ?? ActivityJson.Parse(item.Json);
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
                var type = ActivityJson.GetTypes(activity).FirstOrDefault();
                var handler = HandlerFor(services, type);
                if (handler is null)
                    logger.LogDebug("No handler for {Type} {Id}; stored and ignored", type, item.ActivityId);
                else
                    await handler.HandleAsync(new InboxContext(activity, signer), ct);
                return item; // marked done with its batch
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Processing inbox item {Id} ({ActivityId}) failed", item.Id, item.ActivityId);
            db.ChangeTracker.Clear();
            item.LastError = e.Message;
            item.State = item.Attempts >= MaxAttempts ? InboxState.Failed : InboxState.Pending;
            item.NextAttemptAt = (Time.GetUtcNow() + RetryPolicy.Delay(item.Attempts, Options, null, Random.Shared)).ToUnixTimeMilliseconds();
        }
        item.LockedUntil = null;
        db.InboxItems.Update(item);
        await db.SaveChangesAsync(CancellationToken.None);
        return null;
    }

    /// <summary>
    /// Marks the items that <see cref="ProcessAsync"/> applied done, in one write transaction for all of them rather than
    /// one per item (the replies applied together were marked in their own transaction).
    /// </summary>
    private async Task CompleteAsync(IReadOnlyCollection<InboxItem> items, CancellationToken ct)
    {
        if (items.Count == 0) return;
        using var scope = Scopes.CreateScope();
        await MarkDoneAsync(scope.ServiceProvider.GetRequiredService<FediLearnDbContext>(), items, ct);
    }

    /// <summary>
    /// Marks applied items done, in the caller's transaction or in one of its own. Their
    /// bodies have done their work and nothing reads them again (storage target, issue 7); the rows and their unique
    /// activity_id stay: they turn a replay into a Duplicate (security.md case 31) until the retention chore deletes
    /// them. "" rather than NULL keeps the column NOT NULL on both providers without a migration; a received body is
    /// never empty (it was parsed as a JSON object). An item applied on its own is marked after its handler's commit: a
    /// crash in between applies it again after the restart, as an expired lease does, and handlers take a replay as a
    /// no-op.
    /// </summary>
    private static async Task MarkDoneAsync(FediLearnDbContext db, IReadOnlyCollection<InboxItem> items, CancellationToken ct)
    {
        if (items.Count == 0) return;
        if (db.Database.UsesPostgres())
        {
            await db.Database.ExecuteSqlRawAsync(
                "UPDATE inbox_items SET state = {0}, json = '', locked_until = NULL, last_error = NULL WHERE id = ANY({1})",
                [(int)InboxState.Done, items.Select(i => i.Id).ToArray()], ct);
            return;
        }
        // SQLite never merges pages when an UPDATE shrinks a row, only when a DELETE leaves a page underfull: an emptied
        // body would stay behind as ~1.2 KB of dead space in its page (the storage benchmark measured no gain at all).
        // So the rows are written again, deleted and inserted under the same ids, in one transaction. Other connections
        // see the old rows or the new ones, never neither (WAL snapshot), and a concurrent receipt of the same activity
        // waits for this write and then meets the unique activity_id. The statements' text is the same for every batch.
        var ids = System.Text.Json.JsonSerializer.Serialize(items.Select(i => i.Id));
        var rows = System.Text.Json.JsonSerializer.Serialize(items.Select(i => new object[] { i.Id, i.ActivityId, i.ActorUri, i.Attempts, i.ReceivedAt, i.NextAttemptAt }));
        await using var tx = await SqliteWriteGate.BeginAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync("DELETE FROM inbox_items WHERE id IN (SELECT value FROM json_each({0}))", [ids], ct);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO inbox_items (id, activity_id, actor_uri, json, state, attempts, received_at, next_attempt_at, locked_until, last_error)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), '', {1},
                   json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), NULL, NULL
            FROM json_each({0})
            """, [rows, (int)InboxState.Done], ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// A dead or failing host that talks to us again is alive (federation.md item 24): once per batch for the hosts that
    /// signed its activities (the sender's key was checked before the item was queued), with no write when none is.
    /// </summary>
    private static async Task MarkHostsAliveAsync(FediLearnDbContext db, IEnumerable<string> senderHosts, CancellationToken ct)
    {
        var hosts = senderHosts.Distinct(StringComparer.Ordinal).ToList();
        var revived = await db.RemoteHosts.Where(h => EF.Parameter(hosts).Contains(h.Host) && (h.Dead || h.FailingSince != null)).ToListAsync(ct);
        if (revived.Count == 0) return;
        foreach (var row in revived)
        {
            row.Dead = false;
            row.FailingSince = null;
        }
        await db.SaveChangesAsync(ct);
    }
}
