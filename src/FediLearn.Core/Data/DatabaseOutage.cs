using System.Data.Common;
using System.Runtime.CompilerServices;

namespace FediLearn.Core.Data;

/// <summary>
/// The database cannot serve the request right now: PostgreSQL is restarting or unreachable (a refused or dropped
/// connection, a timeout, "the database system is shutting down", too many connections), or SQLite's file cannot be
/// written (disk full, I/O error, read-only) or stayed locked past the busy timeout. The request is answered 503 with
/// Retry-After, not 500: nothing is wrong with it, and the same request succeeds once the database is back (remote
/// servers retry their deliveries; the node's own queues retry by themselves).
/// </summary>
public static class DatabaseOutage
{
    public static bool IsOutage(Exception? exception)
    {
        // The database client's own exception, through EF's wrappers. A socket error or timeout outside one is not the
        // database's (an outbound fetch timing out, say): that stays a 500.
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is DbException db) return db.IsTransient || IsSqliteOutage(db);
        return false;
    }

    // SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_READONLY 8, SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14. Read in a
    // method of its own, so that a PostgreSQL node does not load the SQLite client for it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsSqliteOutage(DbException e) =>
        e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 };
}
