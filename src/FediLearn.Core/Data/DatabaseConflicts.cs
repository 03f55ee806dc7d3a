using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Data;

/// <summary>
/// A write that lost a race with another request: the row it inserts was inserted a moment before (a unique index), or
/// the row it updates or deletes was deleted a moment before (EF's affected-row check). Two clicks on "Ban", or an API
/// client retrying, give this. The slower request is answered 409, as the same request made a moment later is (the
/// services check first and say "already banned"); it is not a server error.
/// </summary>
public static class DatabaseConflicts
{
    public static bool IsConflict(Exception? e) => e switch
    {
        DbUpdateConcurrencyException => true,
        DbUpdateException { InnerException: DbException inner } => IsUniqueViolation(inner),
        DbException direct => IsUniqueViolation(direct),
        _ => false,
    };

    // PostgreSQL's SQLSTATE for a unique violation; Npgsql reports it in DbException.SqlState, Microsoft.Data.Sqlite does
    // not, so SQLite's own extended codes are read in a method of its own (a PostgreSQL node does not load the SQLite
    // client for it).
    private static bool IsUniqueViolation(DbException e) => e.SqlState == "23505" || IsSqliteUniqueViolation(e);

    private const int SqliteConstraintUnique = 2067, SqliteConstraintPrimaryKey = 1555;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsSqliteUniqueViolation(DbException e) =>
        e is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey };
}
