using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Data;

/// <summary>
/// Many rows in one statement, on both providers: EF Core's SQLite provider sends every inserted or updated row as its
/// own command, prepared anew, and inside a write transaction that is the time SQLite's one writer holds the lock
/// (issue 7: two thirds of an inbox batch's time). The SQL goes through EF's raw-SQL path, so PostgreSQL's parameters get
/// EF's type mappings (dates stored as SaveChanges stores them) and <see cref="ReadCacheInvalidation"/> still sees every write.
/// Instants must be UTC (<see cref="Utc"/>): raw parameters skip the model's PostgreSQL converters.
/// On SQLite the rows go in as <b>one</b> parameter, a JSON array of rows (its UTF-8 bytes), read back with <c>json_each</c>: the
/// statement's text is then the same for every batch and short. With a placeholder per value, SQLite parsed a statement
/// of several hundred placeholders for every batch and looked each one up by name in a list of them, twice (binding
/// too): in the inbox's profile its parser took 8 % of the samples and the look-ups 4 %. Its values are written as Microsoft.Data.Sqlite binds them
/// (<see cref="WriteSqliteValue"/>), so the stored rows are the same.
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
    public static Task InsertAsync(DbContext db, string table, string[] columns, IReadOnlyList<object?[]> rows, CancellationToken ct, string? unlessExists = null) =>
        InsertAsync(db, Prepare(db, table, columns, rows, unlessExists), ct);

    /// <summary>
    /// <see cref="InsertAsync(DbContext, string, string[], IReadOnlyList{object?[]}, CancellationToken, string?)"/>,
    /// answering with the id each inserted row got, by the value of its <paramref name="key"/> column (a unique one):
    /// <c>RETURNING</c>, on both providers, instead of a look-up of the rows just written, which took a quarter of the
    /// inbox's write transaction (issue 7). A row skipped by <paramref name="unlessExists"/> is not in the answer.
    /// </summary>
    public static Task<Dictionary<string, long>> InsertReturningIdsAsync(DbContext db, string table, string[] columns, string key,
        IReadOnlyList<object?[]> rows, CancellationToken ct, string? unlessExists = null) =>
        InsertReturningIdsAsync(db, Prepare(db, table, columns, rows, unlessExists, key), ct);

    /// <summary>
    /// The statements of an insert, built now: before the caller takes SQLite's one writer
    /// (<see cref="SqliteWriteGate"/>), so that encoding the rows (kilobytes of JSON per inbox activity) is not time the
    /// writer is held. <paramref name="returningKey"/>: the unique column <see cref="InsertReturningIdsAsync(DbContext, PreparedInsert, CancellationToken)"/>
    /// answers by.
    /// </summary>
    public static PreparedInsert Prepare(DbContext db, string table, string[] columns, IReadOnlyList<object?[]> rows, string? unlessExists = null,
        string? returningKey = null) =>
        new([.. InsertStatements(db, table, columns, rows, unlessExists, returningKey is null ? null : $" RETURNING \"{returningKey}\" AS \"Key\", \"id\" AS \"Id\"")],
            returningKey is not null);

    /// <summary>Runs a <see cref="Prepare"/>d insert.</summary>
    public static async Task InsertAsync(DbContext db, PreparedInsert insert, CancellationToken ct)
    {
        foreach (var (sql, args) in insert.Statements)
            await db.Database.ExecuteSqlRawAsync(sql, args, ct);
    }

    /// <summary>Runs a <see cref="Prepare"/>d insert that has a returning key: the ids of the rows it inserted, by key.</summary>
    public static async Task<Dictionary<string, long>> InsertReturningIdsAsync(DbContext db, PreparedInsert insert, CancellationToken ct)
    {
        if (!insert.ReturnsIds) throw new ArgumentException("prepared without a returning key", nameof(insert));
        var ids = new Dictionary<string, long>(insert.Statements.Count == 0 ? 0 : 64, StringComparer.Ordinal);
        foreach (var (sql, args) in insert.Statements)
            foreach (var row in await db.Database.SqlQueryRaw<InsertedRow>(sql, args).ToListAsync(ct))
                ids[row.Key] = row.Id;
        return ids;
    }

    private static IEnumerable<(string Sql, object[] Args)> InsertStatements(DbContext db, string table, string[] columns,
        IReadOnlyList<object?[]> rows, string? unlessExists, string? returning)
    {
        if (db.Database.UsesSqlite())
        {
            if (rows.Count == 0) yield break;
            // SQLite needs the WHERE to tell the upsert's ON from a join's.
            var sql = new StringBuilder("INSERT INTO \"").Append(table).Append("\" (\"").AppendJoin("\", \"", columns).Append("\") SELECT ");
            for (var c = 0; c < columns.Length; c++) sql.Append(c == 0 ? "" : ", ").Append("value ->> ").Append(c);
            sql.Append(" FROM json_each(CAST({0} AS TEXT)) WHERE true ORDER BY key");
            if (unlessExists is not null) sql.Append(" ON CONFLICT (\"").Append(unlessExists).Append("\") DO NOTHING");
            yield return (sql.Append(returning).ToString(), [SqliteRows(table, columns.Length, rows)]);
            yield break;
        }
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
            yield return (sql.Append(returning).ToString(), (object[])args!); // EF binds a null as NULL
        }
    }

    /// <summary>
    /// One value per row id: <c>UPDATE table SET column = CASE id WHEN … THEN … END WHERE id IN (…)</c>, on SQLite
    /// <c>UPDATE … FROM json_each(…)</c>.
    /// </summary>
    public static async Task SetByIdAsync(DbContext db, string table, string column, IReadOnlyList<(long Id, object? Value)> values, CancellationToken ct)
    {
        if (db.Database.UsesSqlite())
        {
            if (values.Count == 0) return;
            var rows = SqliteRows(table, 2, [.. values.Select(v => new[] { v.Id, v.Value })]);
            var sql = $"UPDATE \"{table}\" SET \"{column}\" = j.value ->> 1 FROM json_each(CAST({{0}} AS TEXT)) AS j WHERE \"{table}\".\"id\" = j.value ->> 0";
            await db.Database.ExecuteSqlRawAsync(sql, [rows], ct);
            return;
        }
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

    /// <summary>
    /// The rows as one JSON array of arrays, for SQLite's <c>json_each</c>: its UTF-8 bytes, bound as a BLOB and read as
    /// TEXT (<c>CAST(… AS TEXT)</c> takes a BLOB's bytes as text in the database's encoding, UTF-8), where a string
    /// parameter went UTF-8 → UTF-16 here and back to UTF-8 in the binding: two copies of every body, made while the
    /// writer was held.
    /// </summary>
    private static byte[] SqliteRows(string table, int columns, IReadOnlyList<object?[]> rows)
    {
        var estimate = 2;
        foreach (var row in rows)
            foreach (var value in row)
                estimate += value is string text ? text.Length + text.Length / 8 + 4 : 24;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(estimate);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions
               { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                if (row.Length != columns) throw new ArgumentException($"a row for {table} has {row.Length} values for {columns} columns", nameof(rows));
                json.WriteStartArray();
                foreach (var value in row) WriteSqliteValue(json, value);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A value as Microsoft.Data.Sqlite would bind it, which is how EF stores it: integers and booleans as INTEGER,
    /// instants as TEXT in its format, strings as TEXT (a lone surrogate becomes U+FFFD, as in its UTF-8 binding).
    /// </summary>
    private static void WriteSqliteValue(System.Text.Json.Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string text: json.WriteStringValue(text); break;
            case long number: json.WriteNumberValue(number); break;
            case int number: json.WriteNumberValue(number); break;
            case bool flag: json.WriteNumberValue(flag ? 1 : 0); break;
            case DateTime instant: json.WriteStringValue(instant.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
            default: throw new ArgumentException($"no SQLite JSON form for a {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>An instant as PostgreSQL's "timestamp with time zone" parameters need it (SQLite stores it the same either way).</summary>
    public static DateTime Utc(DateTime value) =>
        value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
}

/// <summary>An insert's statements, built by <see cref="MultiRowWrites.Prepare"/> before the write that runs them.</summary>
internal sealed class PreparedInsert(IReadOnlyList<(string Sql, object[] Args)> statements, bool returnsIds)
{
    public IReadOnlyList<(string Sql, object[] Args)> Statements { get; } = statements;
    public bool ReturnsIds { get; } = returnsIds;
}

/// <summary>A row <see cref="MultiRowWrites.InsertReturningIdsAsync(Microsoft.EntityFrameworkCore.DbContext, PreparedInsert, CancellationToken)"/> inserted: its key column's value and its id.</summary>
internal sealed class InsertedRow
{
    public string Key { get; set; } = "";
    public long Id { get; set; }
}
