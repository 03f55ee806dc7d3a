using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FediLearn.Core.Tests;

/// <summary>
/// The hand-written PostgreSQL migrations (Data/Migrations/Postgres) must build exactly the schema the EF model describes
/// for Npgsql, as SchemaTests checks for SQLite: tables, columns (type, length, nullability, default, identity), indexes
/// and constraints, read from the catalogs of a migrated database and of one built from GenerateCreateScript().
/// </summary>
public sealed class PostgresSchemaTests : NodeTest, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;

    [DbFact]
    public async Task Migrated_schema_equals_the_schema_EF_generates_from_the_model()
    {
        var modelDb = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await using (var db = NewContext(modelDb))
                await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript());

            var expected = await ReadAsync(modelDb);
            var actual = await ReadAsync(Node.PostgresConnectionString!);

            Assert.Contains(expected, l => l.StartsWith("column delivery_jobs.", StringComparison.Ordinal)); // the snapshot is not empty
            var missing = expected.Except(actual).ToList();
            var extra = actual.Except(expected).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0,
                "The PostgreSQL migrations drifted from the EF model. Add a new Data/Migrations/Postgres/NNNN_*.sql script.\n"
                + $"In the model but not in the migrated database:\n  {string.Join("\n  ", missing)}\n"
                + $"In the migrated database but not in the model:\n  {string.Join("\n  ", extra)}");
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(modelDb);
        }
    }

    [DbFact]
    public async Task Schema_snapshot_notices_a_lost_unique_constraint_and_a_changed_column()
    {
        var cs = Node.PostgresConnectionString!;
        var before = await ReadAsync(cs);
        await ExecuteAsync(cs, "DROP INDEX ix_local_actors_name; CREATE INDEX ix_local_actors_name ON local_actors (name);");
        var afterIndex = await ReadAsync(cs);
        Assert.NotEqual(before, afterIndex);

        await ExecuteAsync(cs, "ALTER TABLE group_items ALTER COLUMN starts_at_local TYPE timestamp with time zone;");
        Assert.NotEqual(afterIndex, await ReadAsync(cs));
    }

    [DbFact]
    public async Task Second_migration_run_applies_nothing_and_records_every_Postgres_version()
    {
        await using var scope = Node.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync());

        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var versions = await db.Database.SqlQueryRaw<string>("SELECT version AS \"Value\" FROM schema_migrations").ToListAsync();
        Assert.Equal(SchemaMigrator.Scripts("Postgres").Select(s => s.Version).Order(StringComparer.Ordinal), versions.Order(StringComparer.Ordinal));
    }

    [DbFact]
    public async Task Nodes_starting_together_apply_each_script_exactly_once()
    {
        var cs = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                await using var db = NewContext(cs);
                return await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
            })));
            Assert.Equal(SchemaMigrator.Scripts("Postgres").Count, runs.Sum());
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public void Both_providers_have_the_same_migration_versions()
    {
        var sqlite = SchemaMigrator.Scripts("Sqlite").Select(s => s.Version).ToList();
        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, SchemaMigrator.Scripts("Postgres").Select(s => s.Version).ToList());
    }

    private static FediLearnDbContext NewContext(string connectionString) =>
        new(new DbContextOptionsBuilder<FediLearnDbContext>().UseNpgsql(connectionString).Options);

    /// <summary>The public schema as sorted comparable lines; schema_migrations is bookkeeping, not model.</summary>
    private static async Task<List<string>> ReadAsync(string connectionString)
    {
        const string sql = """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '')
                   || CASE is_nullable WHEN 'YES' THEN ' NULL' ELSE ' NOT NULL' END
                   || ' default=' || coalesce(column_default, '-')
                   || ' identity=' || coalesce(identity_generation, '-')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
            UNION ALL
            SELECT 'index ' || tablename || '.' || indexname || ' ' || indexdef
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
            UNION ALL
            SELECT 'constraint ' || c.conrelid::regclass::text || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.connamespace = 'public'::regnamespace AND c.conrelid <> 0
              AND c.conrelid::regclass::text <> 'schema_migrations' AND c.contype <> 'n'
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
