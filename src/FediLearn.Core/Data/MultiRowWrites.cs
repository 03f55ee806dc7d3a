using System.Text;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Data;

/// <summary>
/// Many rows in one statement, on both providers: EF Core's SQLite provider sends every inserted or updated row as its
/// own command, prepared anew, and inside a write transaction that is the time SQLite's one writer holds the lock
/// (issue 7: two thirds of an inbox batch's time). The SQL goes through EF's raw-SQL path, so parameters get EF's type
/// mappings (dates stored as SaveChanges stores them) and <see cref="ReadCacheInvalidation"/> still sees every write.
/// Instants must be UTC (<see cref="Utc"/>): raw parameters skip the model's PostgreSQL converters.
/// </summary>
internal static class MultiRowWrites
{
    /// <summary>Rows per statement: far under SQLite's 32,766 and PostgreSQL's 65,535 parameters for any table here.</summary>
    public const int RowsPerStatement = 100;

    /// <summary>
    /// <c>INSERT INTO table (columns) VALUES (…), (…)</c>, <see cref="RowsPerStatement"/> rows at a time; with
    /// <paramref name="unlessExists"/> (a unique column), a row whose value is already there is skipped
    /// (<c>ON CONFLICT … DO NOTHING</c>, the same on both providers).
    /// </summary>
    public static async Task InsertAsync(DbContext db, string table, string[] columns, IReadOnlyList<object?[]> rows, CancellationToken ct, string? unlessExists = null)
    {
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, rows.Count - start);
            var sql = new StringBuilder("INSERT INTO \"").Append(table).Append("\" (\"").AppendJoin("\", \"", columns).Append("\") VALUES ");
            var args = new object?[count * columns.Length];
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                if (row.Length != columns.Length) throw new ArgumentException($"a row for {table} has {row.Length} values for {columns.Length} columns", nameof(rows));
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var n = r * columns.Length + c;
                    sql.Append(c == 0 ? "{" : ", {").Append(n).Append('}');
                    args[n] = row[c];
                }
                sql.Append(')');
            }
            if (unlessExists is not null) sql.Append(" ON CONFLICT (\"").Append(unlessExists).Append("\") DO NOTHING");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), args!, ct);
        }
    }

    /// <summary><c>UPDATE table SET column = CASE id WHEN … THEN … END WHERE id IN (…)</c>: one value per row id.</summary>
    public static async Task SetByIdAsync(DbContext db, string table, string column, IReadOnlyList<(long Id, object? Value)> values, CancellationToken ct)
    {
        for (var start = 0; start < values.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, values.Count - start);
            var sql = new StringBuilder("UPDATE \"").Append(table).Append("\" SET \"").Append(column).Append("\" = CASE \"id\"");
            var args = new object?[count * 2];
            for (var r = 0; r < count; r++)
            {
                sql.Append(" WHEN {").Append(2 * r).Append("} THEN {").Append(2 * r + 1).Append('}');
                (args[2 * r], args[2 * r + 1]) = values[start + r];
            }
            sql.Append(" END WHERE \"id\" IN (");
            for (var r = 0; r < count; r++) sql.Append(r == 0 ? "{" : ", {").Append(2 * r).Append('}');
            await db.Database.ExecuteSqlRawAsync(sql.Append(')').ToString(), args!, ct);
        }
    }

    /// <summary>An instant as PostgreSQL's "timestamp with time zone" parameters need it (SQLite stores it the same either way).</summary>
    public static DateTime Utc(DateTime value) =>
        value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
