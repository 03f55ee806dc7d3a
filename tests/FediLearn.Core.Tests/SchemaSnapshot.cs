using Microsoft.Data.Sqlite;

namespace FediLearn.Core.Tests;

/// <summary>
/// What a SQLite file's schema is, as comparable lines: one per table, column (type, nullability, key, default),
/// index (uniqueness, origin, partial, columns) and foreign key, read through sqlite_master and the pragma functions.
/// </summary>
internal static class SchemaSnapshot
{
    /// <summary>Bookkeeping tables that are not part of the model.</summary>
    private static readonly string[] Ignored = ["schema_migrations", "sqlite_sequence"];

    public static IReadOnlyList<string> Read(string databaseFile)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var lines = new List<string>();
        var tables = Query(connection,
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            r => (Name: r.GetString(0), Sql: r.GetString(1)));
        foreach (var (table, sql) in tables)
        {
            if (Ignored.Contains(table)) continue;
            var autoIncrement = sql.Contains("AUTOINCREMENT", StringComparison.OrdinalIgnoreCase);
            lines.Add($"table {table}{(autoIncrement ? " autoincrement" : "")}");
            lines.AddRange(Query(connection,
                "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info($t) ORDER BY cid",
                r => $"column {table}.{r.GetString(0)} {r.GetString(1)}{(r.GetInt64(2) == 1 ? " NOT NULL" : " NULL")}"
                     + $" pk={r.GetInt64(3)} default={(r.IsDBNull(4) ? "-" : r.GetString(4))}",
                table));
            var indexes = Query(connection,
                "SELECT name, \"unique\", origin, partial FROM pragma_index_list($t)",
                r => (Name: r.GetString(0), Unique: r.GetInt64(1) == 1, Origin: r.GetString(2), Partial: r.GetInt64(3) == 1),
                table);
            foreach (var index in indexes)
            {
                var columns = Query(connection, "SELECT name FROM pragma_index_info($t) ORDER BY seqno",
                    r => r.IsDBNull(0) ? "<expr>" : r.GetString(0), index.Name);
                lines.Add($"index {table}.{index.Name} {(index.Unique ? "UNIQUE" : "non-unique")} origin={index.Origin}"
                          + $"{(index.Partial ? " partial" : "")} ({string.Join(", ", columns)})");
            }
            lines.AddRange(Query(connection,
                "SELECT \"table\", \"from\", \"to\", on_delete, on_update FROM pragma_foreign_key_list($t) ORDER BY id, seq",
                r => $"fk {table}.{r.GetString(1)} -> {r.GetString(0)}.{r.GetString(2)} on delete {r.GetString(3)} on update {r.GetString(4)}",
                table));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    public static void Execute(string databaseFile, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<T> Query<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> map, string? parameter = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameter is not null) command.Parameters.AddWithValue("$t", parameter);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }
}
