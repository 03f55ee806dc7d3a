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
    public async Task<ReceiveOutcome> ReceiveAsync(JObject activity, string rawJson, string signerUri, CancellationToken ct)
    {
        var activityId = ActivityJson.GetId(activity)
            ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rawJson)));
        // No look-up first: the unique index on activity_id turns a replay away (below), and replays are rare.
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
        try
        {
            await db.SaveChangesAsync(ct); // queued with the process's other SQLite writers (SqliteWriteGate)
        }
        catch (DbUpdateException)
        {
            // A replay, or the same delivery racing in concurrently: the unique index kept one copy.
            if (await db.InboxItems.AsNoTracking().AnyAsync(i => i.ActivityId == activityId, ct)) return ReceiveOutcome.Duplicate;
            throw;
        }
        signal.Signal.Notify();
        return ReceiveOutcome.Queued;
    }
}
