using System.Security.Cryptography;
using System.Text;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

public enum ReceiveOutcome { Queued, Duplicate }

/// <summary>Stores a verified activity durably before we answer 202; a replayed id is accepted with no effect (security.md case 31).</summary>
public sealed class InboxReceiver(FediLearnDbContext db, TimeProvider time, InboxSignal signal)
{
    /// <summary>
    /// SQLite has one writer at a time. Without this, concurrent inbox requests each wait in SQLite's busy handler, which
    /// sleeps 1, 2, 5 … up to 100 ms between attempts: a burst of 32 senders spent most of its time asleep (inbox benchmark,
    /// docs/performance.md). Queued here, the next insert starts the moment the previous one commits.
    /// </summary>
    private static readonly SemaphoreSlim SqliteWriter = new(1, 1);

    public async Task<ReceiveOutcome> ReceiveAsync(JObject activity, string rawJson, string signerUri, CancellationToken ct)
    {
        var activityId = ActivityJson.GetId(activity)
            ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rawJson)));
        if (await db.InboxItems.AnyAsync(i => i.ActivityId == activityId, ct))
            return ReceiveOutcome.Duplicate;

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        db.InboxItems.Add(new InboxItem
        {
            ActivityId = activityId,
            ActorUri = signerUri,
            Json = rawJson,
            State = InboxState.Pending,
            ReceivedAt = now,
            NextAttemptAt = now,
        });
        var serialize = db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite";
        if (serialize) await SqliteWriter.WaitAsync(ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same delivery raced in concurrently: the unique index kept one copy.
            if (await db.InboxItems.AsNoTracking().AnyAsync(i => i.ActivityId == activityId, ct)) return ReceiveOutcome.Duplicate;
            throw;
        }
        finally
        {
            if (serialize) SqliteWriter.Release();
        }
        signal.Signal.Notify();
        return ReceiveOutcome.Queued;
    }
}
