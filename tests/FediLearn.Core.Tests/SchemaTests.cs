using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FediLearn.Core.Tests;

/// <summary>The hand-written SQL migrations must build exactly the schema the EF model describes (SchemaMigrator's promise).</summary>
public sealed class SchemaTests : NodeTest
{
    [Fact]
    public async Task Migrated_schema_equals_the_schema_EF_generates_from_the_model()
    {
        var modelFile = Path.Combine(Node.DataPath, "model.db");
        await using (var db = NewContext(modelFile))
            SchemaSnapshot.Execute(modelFile, db.Database.GenerateCreateScript());

        var expected = SchemaSnapshot.Read(modelFile);
        var actual = SchemaSnapshot.Read(Node.DatabaseFile);

        Assert.Contains(expected, l => l.StartsWith("table delivery_jobs", StringComparison.Ordinal)); // the snapshot is not empty
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            "The SQLite migrations drifted from the EF model. Add a new Data/Migrations/Sqlite/NNNN_*.sql script.\n"
            + $"In the model but not in the migrated database:\n  {string.Join("\n  ", missing)}\n"
            + $"In the migrated database but not in the model:\n  {string.Join("\n  ", extra)}");
    }

    [Fact]
    public async Task Schema_snapshot_notices_a_lost_unique_constraint()
    {
        // Guards the drift test itself: uniqueness must be part of what it compares.
        var before = SchemaSnapshot.Read(Node.DatabaseFile);
        SchemaSnapshot.Execute(Node.DatabaseFile,
            "DROP INDEX ix_local_actors_name; CREATE INDEX ix_local_actors_name ON local_actors (name);");
        var after = SchemaSnapshot.Read(Node.DatabaseFile);
        Assert.NotEqual(before, after);
        await Task.CompletedTask;
    }

    /// <summary>The per-connection pragmas are set once per physical connection: a pooled connection opened again still has them.</summary>
    [Fact]
    public async Task Every_opened_connection_has_foreign_keys_on_and_the_busy_timeout_including_pooled_ones()
    {
        for (var i = 0; i < 3; i++)
        {
            await using var scope = Node.Scope();
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            await db.Database.OpenConnectionAsync();
            try
            {
                Assert.Equal(1L, await PragmaAsync(db, "foreign_keys"));
                Assert.Equal(10000L, await PragmaAsync(db, "busy_timeout"));
                Assert.Equal(1L, await PragmaAsync(db, "synchronous")); // NORMAL
                Assert.Equal(2L, await PragmaAsync(db, "temp_store")); // MEMORY: statement journals never spill to a file
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static async Task<long> PragmaAsync(FediLearnDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Second_migration_run_applies_nothing()
    {
        await using var scope = Node.Scope();
        var migrator = scope.ServiceProvider.GetRequiredService<SchemaMigrator>();
        Assert.Equal(0, await migrator.MigrateAsync());

        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var versions = await db.Database.SqlQueryRaw<string>("SELECT version AS \"Value\" FROM schema_migrations").ToListAsync();
        Assert.Equal(SchemaMigrator.Scripts("Sqlite").Select(s => s.Version).Order(StringComparer.Ordinal), versions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task First_migration_run_on_an_empty_file_applies_every_script()
    {
        var file = Path.Combine(Node.DataPath, "empty.db");
        await using var db = NewContext(file);
        var migrator = new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance);
        var scripts = SchemaMigrator.Scripts("Sqlite");
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Count, await migrator.MigrateAsync());
        Assert.Equal(0, await migrator.MigrateAsync());
    }

    private static FediLearnDbContext NewContext(string file) =>
        new(new DbContextOptionsBuilder<FediLearnDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options);
}
