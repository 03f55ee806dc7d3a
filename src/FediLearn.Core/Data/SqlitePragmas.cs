using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FediLearn.Core.Data;

/// <summary>
/// Per-connection SQLite settings. busy_timeout lets SQLite itself wait for a lock with short sleeps (without it,
/// Microsoft.Data.Sqlite retries after coarse sleeps of ~150 ms); synchronous=NORMAL is safe with WAL and avoids an
/// fsync per commit (a crash can lose only the last commits, never corrupt the file).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Sql = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
