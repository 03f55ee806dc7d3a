using System.Collections.Concurrent;
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
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>Enters the gate of this context's SQLite file; null (nothing to release) on PostgreSQL or inside a transaction.</summary>
    public static async ValueTask<Releaser?> EnterAsync(DbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite() || db.Database.CurrentTransaction is not null) return null;
        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
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

    public sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
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
