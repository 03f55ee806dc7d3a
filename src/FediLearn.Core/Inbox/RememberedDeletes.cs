using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Deletes that came before the object they delete (FEDERATION.md, "Delete"). Deliveries are not ordered: a reply's
/// Create can reach us after its Delete (retries, queues of different servers, a Create fetched late), and storing it
/// then would bring back, and have the group relay to every follower, what its author deleted. So a Delete of an object
/// we do not have, signed by an actor on the object's own host (the only one that can have made it), is remembered for
/// <see cref="Lifetime"/>, and a Create of that object by that same actor is dropped meanwhile, as Mastodon does with
/// its delete_upon_arrival marks (keyed by account and URI; it keeps them 6 hours, we keep them longer, as senders retry
/// for days). A Delete by anyone else is not remembered: nobody can block another server's objects in advance.
/// <para>
/// The rows live in <c>deleted_objects</c>, one per object id (the latest Delete of it), and the retention chore
/// deletes those older than <see cref="Lifetime"/>; at most one row per Delete received in that time, each smaller than
/// the inbox row of that Delete, which is kept longer (Retention:ProcessedInbox).
/// </para>
/// </summary>
public static class RememberedDeletes
{
    /// <summary>How long a Delete that came first is remembered.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);

    /// <summary>Whether <paramref name="signerUri"/> could have made <paramref name="objectUri"/>: the same host (and port).</summary>
    public static bool MayOwn(string signerUri, string objectUri) =>
        Uri.TryCreate(objectUri, UriKind.Absolute, out var objectId) && Uri.TryCreate(signerUri, UriKind.Absolute, out var signer)
        && string.Equals(objectId.Authority, signer.Authority, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Remembers the Delete of <paramref name="objectUri"/> by <paramref name="signerUri"/>, when the signer may own it
    /// (<see cref="MayOwn"/>); returns whether it did. The latest Delete of an object id is the one kept.
    /// </summary>
    public static async Task<bool> RememberAsync(FediLearnDbContext db, string objectUri, string signerUri, DateTimeOffset now, CancellationToken ct)
    {
        if (!MayOwn(signerUri, objectUri)) return false;
        using (await SqliteWriteGate.EnterAsync(db, ct))
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO deleted_objects (uri, actor_uri, received_at) VALUES ({0}, {1}, {2}) " +
                "ON CONFLICT (uri) DO UPDATE SET actor_uri = excluded.actor_uri, received_at = excluded.received_at",
                [objectUri, signerUri, now.ToUnixTimeMilliseconds()], ct);
        return true;
    }

    /// <summary>Whether <paramref name="signerUri"/> deleted <paramref name="objectUri"/> before we had it, less than <see cref="Lifetime"/> ago.</summary>
    public static Task<bool> ArrivedFirstAsync(FediLearnDbContext db, string objectUri, string signerUri, DateTimeOffset now, CancellationToken ct)
    {
        var since = (now - Lifetime).ToUnixTimeMilliseconds();
        return db.DeletedObjects.AnyAsync(d => d.Uri == objectUri && d.ActorUri == signerUri && d.ReceivedAt > since, ct);
    }

    /// <summary>The same for a batch of (object id, signer) pairs, in one query: the pairs whose Delete came first.</summary>
    public static async Task<HashSet<(string Uri, string ActorUri)>> ArrivedFirstAsync(
        FediLearnDbContext db, IEnumerable<(string Uri, string ActorUri)> objects, DateTimeOffset now, CancellationToken ct)
    {
        var pairs = objects.ToHashSet();
        var uris = pairs.Select(p => p.Uri).Distinct(StringComparer.Ordinal).ToList();
        if (uris.Count == 0) return [];
        var since = (now - Lifetime).ToUnixTimeMilliseconds();
        var found = await db.DeletedObjects.AsNoTracking().Where(d => EF.Parameter(uris).Contains(d.Uri) && d.ReceivedAt > since)
            .Select(d => new { d.Uri, d.ActorUri }).ToListAsync(ct);
        return found.Select(d => (d.Uri, d.ActorUri)).Where(pairs.Contains).ToHashSet();
    }
}
