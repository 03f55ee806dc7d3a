using System.Collections.Concurrent;
using FediLearn.Core.Options;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Federation;

/// <summary>
/// Rendered public documents (WebFinger JRD, actor and object JSON, collection pages, the anonymous group page) kept as
/// bytes for <see cref="ReadCacheOptions.Seconds"/>. Correctness rests on two things (docs/architecture.md, "Read cache"):
/// every write this process makes to a table a document is built from empties the cache at once
/// (<see cref="Data.ReadCacheInvalidation"/>), and what another process writes (the CLI, other app nodes on one
/// PostgreSQL) is seen when the entry expires, so a document is at most that many seconds behind the database.
/// Only successful answers are stored; who may read an entry is decided per request by the caller, never by the cache.
/// </summary>
public sealed class ReadCache
{
    /// <summary>One rendered answer, and the few facts about its actor that a per-request access check needs.</summary>
    public sealed record Entry(byte[] Body, string ContentType, long ActorId, bool MembersOnly, long Generation, long ExpiresAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long _ttlMs;
    private readonly int _maxEntries;
    private long _generation;

    public ReadCache(IOptions<FediLearnOptions> options)
    {
        _ttlMs = (long)Math.Max(0, options.Value.ReadCache.Seconds * 1000);
        _maxEntries = Math.Max(1, options.Value.ReadCache.MaxEntries);
    }

    public bool Enabled => _ttlMs > 0;

    /// <summary>Read before the database is queried and passed to <see cref="Set"/>: an answer rendered from data
    /// that a write has changed since is then not stored.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string key, out Entry entry)
    {
        if (_ttlMs > 0 && _entries.TryGetValue(key, out entry!) && entry.Generation == Generation && entry.ExpiresAt > Environment.TickCount64)
            return true;
        entry = null!;
        return false;
    }

    public Entry Set(string key, long generation, byte[] body, string contentType, long actorId, bool membersOnly)
    {
        var entry = new Entry(body, contentType, actorId, membersOnly, generation, Environment.TickCount64 + _ttlMs);
        if (_ttlMs <= 0 || generation != Generation) return entry;
        // Keys hold request parts (names, page numbers): a bounded cache, emptied rather than grown past its limit.
        if (_entries.Count >= _maxEntries) _entries.Clear();
        _entries[key] = entry;
        // A write that landed between the check above and the store has already cleared; drop what may predate it.
        if (generation != Generation) _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return entry;
    }

    /// <summary>Called after every write to the tables documents are built from (and again when its transaction commits).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}

/// <summary>
/// The public pages of group items (their discussion and likes included), kept like <see cref="ReadCache"/>'s documents
/// but emptied apart: a reply or a like empties these pages (<see cref="Data.ReadCacheInvalidation"/>) and leaves the
/// actor and object documents cached, so that a steady flow of replies does not keep every document from the cache.
/// </summary>
public sealed class ThreadPageCache(IOptions<FediLearnOptions> options)
{
    public ReadCache Pages { get; } = new(options);
}
