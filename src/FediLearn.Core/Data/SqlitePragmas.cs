using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FediLearn.Core.Data;

/// <summary>
/// Per-connection SQLite settings. busy_timeout lets SQLite itself wait for a lock with short sleeps (without it,
/// Microsoft.Data.Sqlite retries after coarse sleeps of ~150 ms); synchronous=NORMAL is safe with WAL and avoids an
/// fsync per commit (a crash can lose only the last commits, never corrupt the file); temp_store=MEMORY keeps statement
/// journals and sorts in memory: a multi-row statement inside a write transaction journals the pages it changes, and
/// past 64 KiB SQLite spilled that journal to a temporary file, opened and written for every inbox batch (~3 % of the
/// inbox's CPU in the profile). Such a journal lives only while its statement runs. They are set once per physical
/// connection: EF opens a pooled connection for every query, and running them again each time cost every read.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>One instance for every context: the interceptor holds no state of its own.</summary>
    public static readonly SqlitePragmas Instance = new();

    private const string Sql = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";

    // The native handles already configured; a pooled connection keeps its handle, a closed-for-good one lets it go.
    private static readonly ConditionalWeakTable<object, object> Configured = new();
    private static readonly object Done = new();

    private static bool AlreadySet(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && Configured.TryGetValue(handle, out _);

    private static void Remember(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle }) Configured.AddOrUpdate(handle, Done);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (AlreadySet(connection)) return;
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
        Remember(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (AlreadySet(connection)) return;
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
        Remember(connection);
    }
}
