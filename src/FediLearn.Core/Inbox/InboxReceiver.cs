using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>Blocked: the signer's domain is on the node's block list (checked as the activity is stored); nothing is stored.</summary>
public enum ReceiveOutcome { Queued, Duplicate, Blocked }

/// <summary>
/// Stores a verified activity durably before we answer 202; a replayed id is accepted with no effect (security.md case
/// 31), and one from a blocked domain is refused. Activities received at the same time are committed together
/// (<see cref="InboxIntake"/>), each request still waiting for its own commit.
/// </summary>
public sealed class InboxReceiver(InboxIntake intake, TimeProvider time)
{
    /// <summary>
    /// Queues <paramref name="rawJson"/>. <paramref name="activity"/> is its parse (<see cref="ActivityJson.Parse(string)"/>),
    /// handed to this process's inbox worker with the stored row (<see cref="ParsedActivityHandoff"/>); the caller must not
    /// change it afterwards.
    /// </summary>
    public Task<ReceiveOutcome> ReceiveAsync(JObject activity, string rawJson, string signerUri, CancellationToken ct)
    {
        var activityId = ReplayKey(ActivityJson.GetId(activity), rawJson, signerUri);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return intake.StoreAsync(new InboxItem
        {
            ActivityId = activityId,
            ActorUri = signerUri,
            Json = rawJson,
            State = InboxState.Pending,
            ReceivedAt = now,
            NextAttemptAt = now,
        }, activity, ct);
    }

    /// <summary>
    /// What a replay is recognised by. An activity's own id when it is on its signer's origin: only that server can have
    /// minted it. An id on another origin is kept apart per signer (hashed with the signer's id), so that nobody can
    /// claim the id of an activity another server is about to send (Mastodon names a Delete <c>…/statuses/1#delete</c>)
    /// and have the real one dropped as a replay. Without an id: the body's hash.
    /// </summary>
    internal static string ReplayKey(string? id, string rawJson, string signerUri)
    {
        if (id is null) return "sha256:" + Hash(rawJson);
        return SameOrigin(id, signerUri) ? id : "signer-sha256:" + Hash(signerUri + "\n" + id);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static bool SameOrigin(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
        && string.Equals(x.Scheme, y.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(x.IdnHost, y.IdnHost, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port;
}

/// <summary>
/// Group commit for the inbox queue (issue 7, inbox speed): one writer takes every activity waiting to be stored, up to
/// <see cref="MaxBatch"/>, and inserts them in one statement and one transaction, where each request used to be its
/// own transaction queued at <see cref="SqliteWriteGate"/>. A request is answered only once its activity is
/// committed, so a 202 still means stored. Under no load a batch is one activity and nothing waits for company.
/// The domain block list is read in the same transaction, once per batch: the inbox endpoint leaves that check to the
/// intake when it verified the signature with a key held in memory (<see cref="VerifiedKeyCache"/>), so a block made
/// a moment ago, by this process or another (the CLI), refuses the very next activity.
/// </summary>
public sealed class InboxIntake(IServiceScopeFactory scopes, InboxSignal signal, ParsedActivityHandoff handoff) : IDisposable
{
    /// <summary>Activities committed together at most.</summary>
    public const int MaxBatch = 64;

    private long _commits;

    /// <summary>Transactions that stored activities, for tests: fewer than the activities when they came together.</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    private sealed record Waiting(InboxItem Item, JObject? Parsed, TaskCompletionSource<ReceiveOutcome> Stored);

    private readonly Channel<Waiting> _waiting = Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _starting = new();
    private Task? _writer;

    /// <summary>
    /// Waits until the item is committed (or was already there). A request that gives up (<paramref name="ct"/>) stops
    /// waiting, but its item may still be stored: its sender, seeing no 202, sends it again, which is then a replay.
    /// </summary>
    public Task<ReceiveOutcome> StoreAsync(InboxItem item, CancellationToken ct) => StoreAsync(item, null, ct);

    /// <summary>As <see cref="StoreAsync(InboxItem, CancellationToken)"/>, with the item's JSON already parsed, for the worker.</summary>
    public Task<ReceiveOutcome> StoreAsync(InboxItem item, JObject? parsed, CancellationToken ct)
    {
        if (_writer is null)
            lock (_starting) _writer ??= Task.Run(WriteAllAsync);
        var stored = new TaskCompletionSource<ReceiveOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.Writer.TryWrite(new Waiting(item, parsed, stored))) throw new ObjectDisposedException(nameof(InboxIntake), "The node is shutting down");
        return stored.Task.WaitAsync(ct);
    }

    private async Task WriteAllAsync()
    {
        var batch = new List<Waiting>(MaxBatch);
        while (await _waiting.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _waiting.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                var outcomes = await WriteAsync(batch);
                for (var i = 0; i < batch.Count; i++) batch[i].Stored.TrySetResult(outcomes[i]);
            }
            catch (Exception e)
            {
                // Nothing of the batch was committed: every request fails (a 500 its sender retries), the writer goes on.
                foreach (var waiting in batch) waiting.Stored.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private async Task<ReceiveOutcome[]> WriteAsync(List<Waiting> batch)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var outcomes = new ReceiveOutcome[batch.Count];
        var rows = new List<object?[]>(batch.Count);
        var rowOf = new List<int>(batch.Count); // the request each row came from
        var stored = 0;
        // Sorted and encoded before the writer is taken (a block read just before the write is as good as one read
        // inside it: a block committed a moment later misses either way, and applies to what comes next).
        var blocked = new List<string>();
        await foreach (var domain in HotQueries.BlockedDomainsAsync(db)) blocked.Add(domain);
        var inBatch = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var item = batch[i].Item;
            if (blocked.Count > 0 && IsBlocked(item.ActorUri, blocked)) { outcomes[i] = ReceiveOutcome.Blocked; continue; }
            if (!inBatch.Add(item.ActivityId)) { outcomes[i] = ReceiveOutcome.Duplicate; continue; }
            rows.Add([item.ActivityId, item.ActorUri, item.Json, (int)item.State, item.Attempts, item.ReceivedAt, item.NextAttemptAt]);
            rowOf.Add(i);
        }
        var insert = MultiRowWrites.Prepare(db, "inbox_items", ["activity_id", "actor_uri", "json", "state", "attempts", "received_at", "next_attempt_at"],
            rows, unlessExists: "activity_id", returningKey: "activity_id");
        await using (var tx = await SqliteWriteGate.BeginAsync(db, CancellationToken.None))
        {
            // A replay (security.md case 31) meets the unique activity_id and is skipped: the rows RETURNING leaves out
            // were there already. On SQLite nothing can come in between (one writer); on PostgreSQL another node storing
            // the same id meanwhile makes this insert wait for its commit, and then skip the row: one copy either way.
            var inserted = await MultiRowWrites.InsertReturningIdsAsync(db, insert, CancellationToken.None);
            for (var r = 0; r < rows.Count; r++)
                outcomes[rowOf[r]] = inserted.ContainsKey((string)rows[r][0]!) ? ReceiveOutcome.Queued : ReceiveOutcome.Duplicate;
            stored = inserted.Count;
            await tx.CommitAsync(CancellationToken.None);
            // Only once committed: a rolled-back row's id may be given to another activity.
            for (var r = 0; r < rows.Count; r++)
                if (batch[rowOf[r]].Parsed is { } parsed && inserted.TryGetValue((string)rows[r][0]!, out var id))
                    handoff.Offer(id, parsed, batch[rowOf[r]].Item.Json.Length);
        }
        Interlocked.Increment(ref _commits);
        if (stored > 0) signal.Signal.Notify();
        return outcomes;
    }

    /// <summary>The signer's key is on the actor's own origin (RemoteActorResolver checks that), so its host is the actor's.</summary>
    private static bool IsBlocked(string actorUri, List<string> blocked)
    {
        if (!Uri.TryCreate(actorUri, UriKind.Absolute, out var uri)) return false;
        var host = uri.IdnHost.ToLowerInvariant();
        return blocked.Exists(domain => SignatureAuthenticator.Covers(domain, host));
    }

    public void Dispose() => _waiting.Writer.TryComplete();
}
