using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Data;

/// <summary>
/// Applies the versioned SQL scripts embedded under Data/Migrations/{Provider}/ (Sqlite or Postgres) in order, each in
/// its own transaction, recording them in that database's schema_migrations. Both folders carry the same versions, so
/// a version means the same schema on either provider. The scripts are written by hand (EF's migration tooling did not
/// restore here when this began; docs/architecture.md, "Schema and migrations"); SchemaTests (SQLite) and
/// PostgresSchemaTests check that the migrated schema matches the model.
/// </summary>
public sealed class SchemaMigrator(FediLearnDbContext db, ILogger<SchemaMigrator> logger)
{
    /// <summary>pg_advisory_lock key held while migrating, so that app nodes starting together migrate one at a time.</summary>
    private const long PostgresLockKey = 0x46_4C_5F_4D_49_47; // "FL_MIG"

    /// <summary>The migrations folder of the database <paramref name="db"/> talks to.</summary>
    public static string ProviderFolder(FediLearnDbContext db) => db.Database.UsesPostgres() ? "Postgres" : "Sqlite";

    public static IReadOnlyList<(string Version, string Sql)> Scripts(string provider)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Data.Migrations.{provider}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n => (n[prefix.Length..^4], ReadResource(assembly, n)))
            .ToList();
    }

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        if (!db.Database.UsesPostgres()) return await MigrateCoreAsync(ct);

        // One connection for the whole run: the advisory lock belongs to the session that took it.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock({0})", [PostgresLockKey], ct);
            try
            {
                return await MigrateCoreAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock({0})", [PostgresLockKey], CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<int> MigrateCoreAsync(CancellationToken ct)
    {
        if (db.Database.UsesSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        await db.Database.ExecuteSqlRawAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);", ct);
        var applied = (await ReadFirstColumnAsync(db, "SELECT version FROM schema_migrations", ct)).Select(v => (string)v).ToList();
        var count = 0;
        foreach (var (version, sql) in Scripts(ProviderFolder(db)))
        {
            if (applied.Contains(version)) continue;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync(sql, ct);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ({0}, {1})", [version, DateTime.UtcNow.ToString("O")], ct);
            await tx.CommitAsync(ct);
            logger.LogInformation("Applied database migration {Version}", version);
            count++;
        }
        return count;
    }

    /// <summary>
    /// The first column of a query's rows, read with a plain command. At start, before anything else has queried: EF's
    /// LINQ pipeline (SqlQueryRaw composes into it too) compiles its first query in ~0.3-0.5 s of JIT on a 2-core node,
    /// and that is better spent after the server listens (docs/performance.md, "Start").
    /// </summary>
    internal static async Task<List<object>> ReadFirstColumnAsync(FediLearnDbContext db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var values = new List<object>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) values.Add(reader.GetValue(0));
            return values;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
