using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FediLearn.Core.Data;

/// <summary>Rows of one table in the source and, after the copy, in the target.</summary>
public sealed record TableCopyCount(string Table, long Source, long Target);

public sealed record CopySummary(IReadOnlyList<TableCopyCount> Tables, int LocalActorKeys, TimeSpan Elapsed)
{
    public long Rows => Tables.Sum(t => t.Source);
}

/// <summary>
/// Copies a node's SQLite database into an empty PostgreSQL database (issue 7 item 3), generically over the EF model so
/// that a table added by a later migration is copied without changes here. Every row keeps its primary key, so URLs,
/// foreign keys and the actors' signing keys stay the same: followers notice nothing.
/// The source is opened read-only and read inside one transaction (one consistent snapshot, even if a node still
/// writes to it); the target is written inside one transaction, so a failed copy leaves no rows behind.
/// User errors (bad connection string, unreachable server, non-empty target, old source schema) throw
/// <see cref="FediLearnException"/> with a one-line message.
/// </summary>
public sealed partial class SqliteToPostgresCopier(TextWriter output, int batchSize = 2000)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);

    public async Task<CopySummary> CopyAsync(string sqliteConnectionString, string postgresConnectionString, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        await using var sqlite = await OpenSourceAsync(sqliteConnectionString, ct);
        await using var snapshot = sqlite.BeginTransaction(deferred: true);
        var sourceVersion = await CheckSourceSchemaAsync(sqlite, snapshot, ct);

        await using var postgres = await OpenTargetAsync(postgresConnectionString, ct);
        IReadOnlyList<string> seeded;
        try
        {
            // Checked before the schema is made: a refused copy must leave the target as it found it, not with
            // FediLearn's tables added next to someone else's.
            await RequireEmptyTargetAsync(postgres, foreignTablesToo: true, ct);
            await using (var migrating = CopyContexts.Postgres(postgres))
            {
                var applied = await new SchemaMigrator(migrating, NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);
                output.WriteLine($"Target schema: {applied} migration(s) applied, now at {sourceVersion}.");
            }
            seeded = await RequireEmptyTargetAsync(postgres, foreignTablesToo: false, ct);
        }
        catch (NpgsqlException e)
        {
            // No CREATE permission, a table we may not read, no schema in the search path: the server's reason, on one line.
            throw new FediLearnException($"cannot check or create FediLearn's schema in the target database: {OneLine(e)}; nothing was copied");
        }

        await using var source = CopyContexts.Sqlite(sqlite);
        await source.Database.UseTransactionAsync(snapshot, ct);
        await using var target = CopyContexts.PostgresTarget(postgres);
        target.ChangeTracker.AutoDetectChangesEnabled = false;
        var tables = CopyOrder(target.Model);
        await RequireKnownSourceTablesAsync(sqlite, snapshot, tables, ct);

        var counts = new List<(string Table, long Source)>();
        await using (var write = await target.Database.BeginTransactionAsync(ct))
        {
            // The migrations' own rows give way to the source's (which has the same seed, perhaps changed since).
            foreach (var type in tables.Reverse())
                if (seeded.Contains(type.GetTableName()!))
                {
                    var delete = $"DELETE FROM {Quote(type.GetTableName()!)}";
                    await target.Database.ExecuteSqlRawAsync(delete, ct);
                }
            foreach (var type in tables)
            {
                var table = type.GetTableName()!;
                long total;
                try { total = await ScalarAsync(sqlite, snapshot, $"SELECT count(*) FROM {Quote(table)}", ct); }
                catch (SqliteException e) { throw new FediLearnException($"cannot read table {table} from the SQLite database: {e.Message}"); }
                var copied = await CopyTableAsync(source, target, type, total, ct);
                counts.Add((table, copied));
            }
            await ResetSequencesAsync(postgres, tables, ct);
            await write.CommitAsync(ct);
        }

        var verified = await VerifyCountsAsync(postgres, counts, ct);
        var keys = await VerifyKeysAsync(source, target, ct);
        return new CopySummary(verified, keys, clock.Elapsed);
    }

    private static async Task<SqliteConnection> OpenSourceAsync(string connectionString, CancellationToken ct)
    {
        SqliteConnectionStringBuilder builder;
        try { builder = new SqliteConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new FediLearnException($"the configured SQLite connection string is not valid: {e.Message}"); }
        if (!File.Exists(builder.DataSource))
            throw new FediLearnException($"there is no SQLite database at {Path.GetFullPath(builder.DataSource)} (check FediLearn:DataPath)");
        builder.Mode = SqliteOpenMode.ReadOnly; // the copy never changes the source
        var connection = new SqliteConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw new FediLearnException($"cannot open the SQLite database {builder.DataSource}: {e.Message}");
        }
    }

    /// <summary>The source must be at the latest migration: the copy maps it with the current model.</summary>
    private static async Task<string> CheckSourceSchemaAsync(SqliteConnection sqlite, SqliteTransaction tx, CancellationToken ct)
    {
        var expected = SchemaMigrator.Scripts("Sqlite").Select(s => s.Version).ToList();
        var postgresLatest = SchemaMigrator.Scripts("Postgres").Select(s => s.Version).LastOrDefault();
        if (expected.LastOrDefault() != postgresLatest)
            throw new FediLearnException($"this build's SQLite and PostgreSQL migrations end at different versions ({expected.LastOrDefault()} and {postgresLatest})");
        var applied = new List<string>();
        try
        {
            await using var command = Command(sqlite, tx, "SELECT version FROM schema_migrations");
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetString(0));
        }
        catch (SqliteException)
        {
            throw new FediLearnException("the SQLite database has no schema_migrations table: it is not a FediLearn database, or was never started");
        }
        var missing = expected.Except(applied).ToList();
        if (missing.Count > 0)
            throw new FediLearnException($"the SQLite database is not at the latest schema (missing migration {string.Join(", ", missing)}): start the node once with this version so it migrates, stop it, then copy");
        var unknown = applied.Except(expected).ToList();
        if (unknown.Count > 0)
            throw new FediLearnException($"the SQLite database has migration {string.Join(", ", unknown)}, which this version does not know: copy with the version that wrote it");
        return expected[^1];
    }

    private static async Task<NpgsqlConnection> OpenTargetAsync(string connectionString, CancellationToken ct)
    {
        if (PostgresConnectionStrings.Problem(connectionString) is { } problem)
            throw new FediLearnException($"the --to connection string is not valid: {problem}");
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            await connection.DisposeAsync();
            throw new FediLearnException($"cannot connect to PostgreSQL ({PostgresConnectionStrings.Describe(connectionString)}): {OneLine(e)}");
        }
    }

    /// <summary>
    /// What "empty" means: the target's current schema holds no table but FediLearn's own (those its migrations create,
    /// and schema_migrations listing only FediLearn's versions), and every one of those but schema_migrations has no rows,
    /// so a copy merges nothing. FediLearn's tables may exist because an earlier copy failed after creating the schema;
    /// the copy then goes on in them. The exception to "no rows" is a row a migration script itself inserts (0008 adds
    /// the "admin" role): such tables are the seeded ones, and the source carries the same seed, so the copy replaces
    /// them. A node that ever ran on the target has at least its instance actor, so it is refused. With
    /// <paramref name="foreignTablesToo"/> (before anything is created) a table that is not FediLearn's is refused as well.
    /// </summary>
    private static async Task<IReadOnlyList<string>> RequireEmptyTargetAsync(NpgsqlConnection postgres, bool foreignTablesToo, CancellationToken ct)
    {
        var seeded = SeededTables();
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' " +
            "ORDER BY table_name", postgres))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) tables.Add(reader.GetString(0));
        if (foreignTablesToo)
        {
            var ours = OwnTables();
            if (tables.FirstOrDefault(t => !ours.Contains(t)) is { } foreign)
                throw new FediLearnException($"the target database is not empty: it has a table {foreign} that is not FediLearn's. " +
                    "Copy only into a new, empty database (no tables in its schema); nothing was created or copied");
            if (tables.Contains("schema_migrations") && await ForeignMigrationAsync(postgres, ct) is { } version)
                throw new FediLearnException($"the target database is not empty: its schema_migrations table is another application's ({version}). " +
                    "Copy only into a new, empty database (no tables in its schema); nothing was created or copied");
        }
        tables.Remove("schema_migrations");
        var seededWithRows = new List<string>();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Quote(table)})", postgres);
            if (!(bool)(await command.ExecuteScalarAsync(ct))!) continue;
            if (seeded.Contains(table)) { seededWithRows.Add(table); continue; }
            throw new FediLearnException($"the target database is not empty: table {table} has rows. Copy only into a new, empty database; nothing was copied");
        }
        return seededWithRows;
    }

    /// <summary>Tables that the PostgreSQL migration scripts create, and schema_migrations, which the migrator creates.</summary>
    internal static HashSet<string> OwnTables()
    {
        var tables = SchemaMigrator.Scripts("Postgres")
            .SelectMany(s => CreateTable().Matches(s.Sql).Select(m => m.Groups[1].Value.ToLowerInvariant()))
            .ToHashSet(StringComparer.Ordinal);
        tables.Add("schema_migrations");
        return tables;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?""?(\w+)""?", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex CreateTable();

    /// <summary>
    /// A schema_migrations table that is not FediLearn's (Rails and others use the name): a version FediLearn does not
    /// have, or columns it cannot read. Null when every row is one of FediLearn's versions.
    /// </summary>
    private static async Task<string?> ForeignMigrationAsync(NpgsqlConnection postgres, CancellationToken ct)
    {
        var ours = SchemaMigrator.Scripts("Postgres").Select(s => s.Version).ToHashSet(StringComparer.Ordinal);
        var columns = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_migrations'", postgres))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) columns.Add(reader.GetString(0));
        if (!columns.Contains("version")) return "it has no version column";
        await using (var command = new NpgsqlCommand("SELECT version::text FROM schema_migrations ORDER BY 1", postgres))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                if (reader.IsDBNull(0) || !ours.Contains(reader.GetString(0))) return $"version {(reader.IsDBNull(0) ? "null" : reader.GetString(0))}";
        return columns.Contains("applied_at") ? null : "it has no applied_at column";
    }

    /// <summary>Tables that a PostgreSQL migration script inserts rows into.</summary>
    internal static HashSet<string> SeededTables() =>
        SchemaMigrator.Scripts("Postgres")
            .SelectMany(s => InsertInto().Matches(s.Sql).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"INSERT\s+INTO\s+""?(\w+)""?", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex InsertInto();

    /// <summary>A table in the source that the model does not map would be left behind: refuse rather than lose it.</summary>
    private static async Task RequireKnownSourceTablesAsync(SqliteConnection sqlite, SqliteTransaction tx, IReadOnlyList<IEntityType> types, CancellationToken ct)
    {
        var mapped = types.Select(t => t.GetTableName()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        await using var command = Command(sqlite, tx,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (!mapped.Contains(reader.GetString(0)))
                throw new FediLearnException($"the SQLite database has a table {reader.GetString(0)} that this version does not map; nothing was copied");
    }

    /// <summary>Principals before dependents (foreign keys), then by table name, so every reference exists when its row arrives.</summary>
    internal static IReadOnlyList<IEntityType> CopyOrder(IModel model)
    {
        var types = model.GetEntityTypes().Where(t => t.GetTableName() is not null && !t.IsOwned()).OrderBy(t => t.GetTableName(), StringComparer.Ordinal).ToList();
        foreach (var type in types)
            if (type.HasSharedClrType)
                throw new FediLearnException($"the table {type.GetTableName()} is a shared-type entity, which the copy does not support");
        var done = new HashSet<IEntityType>();
        var order = new List<IEntityType>();
        while (order.Count < types.Count)
        {
            var next = types.FirstOrDefault(t => !done.Contains(t) && t.GetForeignKeys()
                .All(fk => fk.PrincipalEntityType == t || done.Contains(fk.PrincipalEntityType) || !types.Contains(fk.PrincipalEntityType)))
                ?? throw new FediLearnException("the model's foreign keys form a cycle; the copy cannot order its tables");
            done.Add(next);
            order.Add(next);
        }
        return order;
    }

    private Task<long> CopyTableAsync(FediLearnDbContext source, FediLearnDbContext target, IEntityType type, long total, CancellationToken ct) =>
        (Task<long>)typeof(SqliteToPostgresCopier).GetMethod(nameof(CopyRowsAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(type.ClrType)
            .Invoke(this, [source, target, type, total, ct])!;

    /// <summary>
    /// Streams the table in primary-key order from the SQLite snapshot and inserts it in batches; the change tracker is
    /// cleared after each batch so memory stays flat however big the table.
    /// </summary>
    private async Task<long> CopyRowsAsync<T>(FediLearnDbContext source, FediLearnDbContext target, IEntityType type, long total, CancellationToken ct) where T : class
    {
        var table = type.GetTableName()!;
        var key = type.FindPrimaryKey() ?? throw new FediLearnException($"the table {table} has no primary key; the copy needs one to read it in order");
        var orderBy = string.Join(", ", key.Properties.Select(p => Quote(p.GetColumnName())));
        // Identifiers from the model, quoted: nothing here comes from input.
        var sql = $"SELECT * FROM {Quote(table)} ORDER BY {orderBy}";
        var rows = source.Set<T>().FromSqlRaw(sql).AsNoTracking().AsAsyncEnumerable();

        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var batch = new List<T>(batchSize);
        long copied = 0;
        try
        {
            await foreach (var row in rows.WithCancellation(ct))
            {
                batch.Add(row);
                if (batch.Count < batchSize) continue;
                copied += await InsertAsync(target, batch, ct);
                if (clock.Elapsed - lastReport >= ProgressEvery)
                {
                    lastReport = clock.Elapsed;
                    output.WriteLine(Progress(table, copied, total));
                }
            }
            copied += await InsertAsync(target, batch, ct);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException or InvalidCastException or FormatException)
        {
            throw new FediLearnException($"copying table {table} failed after {copied} row(s), nothing was committed: {OneLine(e)}");
        }
        var rate = clock.Elapsed.TotalSeconds > 0 ? copied / clock.Elapsed.TotalSeconds : 0;
        // A rate is noise for a table copied in a blink.
        output.WriteLine(clock.Elapsed < TimeSpan.FromSeconds(1) ? Progress(table, copied, total) : $"{Progress(table, copied, total)}  ({rate.ToString("N0", CultureInfo.InvariantCulture)} rows/s)");
        return copied;
    }

    private static async Task<int> InsertAsync<T>(FediLearnDbContext target, List<T> batch, CancellationToken ct) where T : class
    {
        if (batch.Count == 0) return 0;
        target.Set<T>().AddRange(batch);
        await target.SaveChangesAsync(ct);
        target.ChangeTracker.Clear();
        var count = batch.Count;
        batch.Clear();
        return count;
    }

    /// <summary>Rows keep their ids, so each identity sequence must continue after the largest one or the next insert collides.</summary>
    private static async Task ResetSequencesAsync(NpgsqlConnection postgres, IReadOnlyList<IEntityType> types, CancellationToken ct)
    {
        foreach (var type in types)
        foreach (var property in type.GetProperties())
        {
            var clr = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            if (clr != typeof(long) && clr != typeof(int) && clr != typeof(short)) continue;
            var table = type.GetTableName()!;
            var column = property.GetColumnName();
            await using var find = new NpgsqlCommand("SELECT pg_get_serial_sequence(@table, @column)", postgres);
            find.Parameters.AddWithValue("table", Quote(table));
            find.Parameters.AddWithValue("column", column);
            if (await find.ExecuteScalarAsync(ct) is not string sequence) continue;
            await using var set = new NpgsqlCommand(
                $"SELECT setval(@sequence, COALESCE((SELECT max({Quote(column)}) FROM {Quote(table)}), 0) + 1, false)", postgres);
            set.Parameters.AddWithValue("sequence", sequence);
            await set.ExecuteScalarAsync(ct);
        }
    }

    private static async Task<IReadOnlyList<TableCopyCount>> VerifyCountsAsync(NpgsqlConnection postgres, List<(string Table, long Source)> counts, CancellationToken ct)
    {
        var result = new List<TableCopyCount>();
        foreach (var (table, source) in counts)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {Quote(table)}", postgres);
            result.Add(new TableCopyCount(table, source, Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture)));
        }
        return result;
    }

    /// <summary>Every local actor's keys, compared byte for byte: remote servers have cached the public ones.</summary>
    private static async Task<int> VerifyKeysAsync(FediLearnDbContext source, FediLearnDbContext target, CancellationToken ct)
    {
        var before = await source.Set<LocalActor>().AsNoTracking().ToListAsync(ct);
        var after = (await target.Set<LocalActor>().AsNoTracking().ToListAsync(ct)).ToDictionary(a => a.Id);
        foreach (var actor in before)
        {
            if (!after.TryGetValue(actor.Id, out var copy))
                throw new FediLearnException($"verification failed: local actor {actor.Name} (id {actor.Id}) is missing in the target");
            if (copy.RsaPrivateKeyPem != actor.RsaPrivateKeyPem || copy.RsaPublicKeyPem != actor.RsaPublicKeyPem
                || !copy.Ed25519Seed.AsSpan().SequenceEqual(actor.Ed25519Seed) || !copy.Ed25519PublicKey.AsSpan().SequenceEqual(actor.Ed25519PublicKey))
                throw new FediLearnException($"verification failed: the keys of local actor {actor.Name} differ in the target");
        }
        return before.Count;
    }

    private static string Progress(string table, long copied, long total) =>
        string.Create(CultureInfo.InvariantCulture, $"  {table,-24} {copied,12:N0} / {total:N0}");

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql) =>
        new(sql, connection, tx);

    private static async Task<long> ScalarAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner is DbUpdateException && inner.InnerException is not null) inner = inner.InnerException;
        return inner.Message.ReplaceLineEndings(" ");
    }
}
