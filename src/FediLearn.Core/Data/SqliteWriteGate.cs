using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace FediLearn.Core.Data;

/// <summary>
/// SQLite has one writer at a time. Left to itself, a writer that finds the file locked sleeps in SQLite's busy handler
/// (1, 2, 5 … up to 100 ms between attempts), so under load most writers spend their time asleep while the lock is
/// free: the inbox benchmark's p99 was hundreds of milliseconds for a write that takes well under one. This gate queues
/// this process's writers to one SQLite file in memory instead, so the next one starts the moment the previous one
/// commits. It is taken only by a write that is not already inside an open transaction (which may hold SQLite's lock
/// and must not then wait here), so a holder never waits for anything but SQLite itself. Other processes (the CLI)
/// still meet the busy handler, as before. PostgreSQL has row locks and needs none of this.
/// </summary>
public static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, Gate> Gates = new(StringComparer.Ordinal);

    /// <summary>Enters the gate of this context's SQLite file; null (nothing to release) on PostgreSQL or inside a transaction.</summary>
    public static async ValueTask<Releaser?> EnterAsync(DbContext db, CancellationToken ct)
    {
        if (!db.Database.UsesSqlite() || db.Database.CurrentTransaction is not null) return null;
        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", static _ => new Gate());
        var asked = Stopwatch.GetTimestamp();
        await gate.Semaphore.WaitAsync(ct);
        return new Releaser(gate, asked);
    }

    /// <summary>
    /// A write transaction that holds the gate until it is disposed: BEGIN IMMEDIATE on SQLite takes the file's write lock
    /// at once, so the reads that decide what to write should come before it. Inside a transaction the caller already
    /// opened, it joins that one (its commit is the caller's).
    /// </summary>
    public static async Task<WriteTransaction> BeginAsync(DbContext db, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null) return new WriteTransaction(null, null);
        var releaser = await EnterAsync(db, ct);
        try
        {
            return new WriteTransaction(await db.Database.BeginTransactionAsync(ct), releaser);
        }
        catch
        {
            releaser?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What this process's writers to the SQLite file of <paramref name="db"/> did at the gate so far; null on PostgreSQL
    /// or before the first write. Held time over wall time is how busy SQLite's one writer is: near 1 under load, the
    /// node's writes queue here and a busier node needs PostgreSQL (docs/operations.md, Monitoring).
    /// </summary>
    public static WriterStatistics? StatisticsOf(DbContext db)
    {
        if (!db.Database.UsesSqlite()) return null;
        // Before this process's first write there is no gate yet: its counters are zero, not absent (a scrape that
        // finds a series missing shows a gap, and rate() over the first write would miss it).
        if (!Gates.TryGetValue(db.Database.GetConnectionString() ?? "", out var gate)) return new WriterStatistics(0, TimeSpan.Zero, TimeSpan.Zero);
        return new WriterStatistics(Interlocked.Read(ref gate.Writes), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref gate.WaitedTicks)),
            Stopwatch.GetElapsedTime(0, Interlocked.Read(ref gate.HeldTicks)));
    }

    /// <summary>Writes that took the gate and released it, the time they waited for it, and the time they held it.</summary>
    public sealed record WriterStatistics(long Writes, TimeSpan Waited, TimeSpan Held);

    internal sealed class Gate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public long Writes;
        public long WaitedTicks;
        public long HeldTicks;
    }

    public sealed class Releaser : IDisposable
    {
        private readonly Gate _gate;
        private readonly long _waited;
        private readonly long _entered = Stopwatch.GetTimestamp();
        private int _released;

        internal Releaser(Gate gate, long asked)
        {
            _gate = gate;
            _waited = _entered - asked;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            Interlocked.Add(ref _gate.HeldTicks, Stopwatch.GetTimestamp() - _entered);
            Interlocked.Add(ref _gate.WaitedTicks, _waited);
            Interlocked.Increment(ref _gate.Writes);
            _gate.Semaphore.Release();
        }
    }

    public sealed class WriteTransaction(IDbContextTransaction? transaction, Releaser? releaser) : IAsyncDisposable
    {
        public Task CommitAsync(CancellationToken ct) => transaction?.CommitAsync(ct) ?? Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            try { if (transaction is not null) await transaction.DisposeAsync(); }
            finally { releaser?.Dispose(); }
        }
    }
}
