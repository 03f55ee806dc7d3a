using System.Data.Common;
using System.Runtime.CompilerServices;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FediLearn.Core.Data;

/// <summary>
/// Empties the <see cref="ReadCache"/> whenever this process writes to a table that cached documents are built from:
/// after the statement (autocommit, or so that readers in the same transaction's wake do not store old data) and again
/// when its transaction commits (before the commit other connections still read the old rows and could store them).
/// Every EF write goes through here — SaveChanges, ExecuteUpdate/Delete and raw SQL alike — so no service has to
/// remember to invalidate. Writes by other processes are bounded by the cache's time to live instead.
/// </summary>
public sealed class ReadCacheInvalidation(ReadCache cache, ThreadPageCache threadPages) : DbCommandInterceptor, IDbTransactionInterceptor
{
    private static readonly string[] Tables =
        ["local_actors", "group_items", "followers", "followings", "remote_actors", "outbound_activities", "fanout_jobs", "media_files", "rsvps", "votes"];

    // What an item's page shows beyond the documents: its discussion and its likes. Replies arrive all the time, so they
    // empty only the pages' cache (ThreadPageCache), not every document.
    private static readonly string[] ThreadTables = ["replies", "likes"];

    // Updated all the time without changing any document: a fan-out job's state (only its existence counts, for a
    // members-only outbox) and a remote actor's cached key and profile (collections list only its unchanging URI).
    private static readonly string[] UpdatesIgnored = ["fanout_jobs", "remote_actors"];

    // Transactions that wrote to one of the tables: invalidate again once they commit.
    private static readonly ConditionalWeakTable<DbTransaction, object> Dirty = new();
    private static readonly object DocumentsMark = new();
    private static readonly object ThreadsMark = new();

    /// <summary>Whether a statement writes to one of <see cref="Tables"/>: the tables after INSERT INTO, UPDATE and
    /// DELETE FROM (an EF batch may hold several statements), not every table it reads.</summary>
    internal static bool Touches(string sql) => Touches(sql, Tables);

    /// <summary>Whether a statement writes to what an item's page shows only (its replies, its likes).</summary>
    internal static bool TouchesThreads(string sql) => Touches(sql, ThreadTables);

    private static bool Touches(string sql, string[] tables)
    {
        var text = sql.AsSpan().TrimStart();
        if (text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase)) return false;
        return Writes(text, "INSERT INTO ", update: false, tables) || Writes(text, "DELETE FROM ", update: false, tables) || Writes(text, "UPDATE ", update: true, tables);
    }

    private static bool Writes(ReadOnlySpan<char> text, string keyword, bool update, string[] tables)
    {
        while (true)
        {
            var at = text.IndexOf(keyword, StringComparison.OrdinalIgnoreCase);
            if (at < 0) return false;
            text = text[(at + keyword.Length)..];
            var name = text.TrimStart();
            var end = name.IndexOfAny(" \t\r\n(;");
            var table = (end < 0 ? name : name[..end]).Trim('"');
            foreach (var candidate in tables)
                if (table.Equals(candidate, StringComparison.OrdinalIgnoreCase) && !(update && UpdatesIgnored.Contains(candidate)))
                    return true;
        }
    }

    private void Executed(DbCommand command)
    {
        // The pages are built from the documents' tables too: a write to those empties both caches.
        var documents = Touches(command.CommandText);
        if (!documents && !TouchesThreads(command.CommandText)) return;
        if (documents) cache.Invalidate();
        threadPages.Pages.Invalidate();
        if (command.Transaction is { } transaction && !(Dirty.TryGetValue(transaction, out var marked) && marked == DocumentsMark))
            Dirty.AddOrUpdate(transaction, documents ? DocumentsMark : ThreadsMark);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }

    // INSERT … RETURNING and UPDATE … RETURNING (SaveChanges, queue claims) are readers.
    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }

    // A reader outside a transaction (SaveChanges' lone DELETE … RETURNING, an UPDATE … RETURNING claim) commits when its
    // statement completes, which is after ReaderExecuted: a page rendered in between read the old rows under the new
    // generation and stayed cached (ReadCacheCommitTests). EF closes the reader before it asks here, so this emptying
    // comes after the commit.
    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        if (command.Transaction is null) Executed(command);
        return result;
    }

    private void Committed(DbTransaction transaction)
    {
        if (!Dirty.TryGetValue(transaction, out var marked)) return;
        Dirty.Remove(transaction);
        if (marked == DocumentsMark) cache.Invalidate();
        threadPages.Pages.Invalidate();
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
    }
}
