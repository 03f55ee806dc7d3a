using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// What a node checks before it listens, asked with plain commands rather than EF's LINQ pipeline (docs/performance.md,
/// "Start"): the applied migrations and the instance actor. Each answer must still be the database's.
/// </summary>
public class StartupChecksTests : NodeTest
{
    [DbFact]
    public async Task The_instance_actor_is_found_and_made_again_when_it_is_missing()
    {
        await using (var scope = Node.Scope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<InstanceActorService>().ExistsAsync(default));

        await Node.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM local_actors WHERE kind = {0}", (int)ActorKind.Application));
        await using (var scope = Node.Scope())
            Assert.False(await scope.ServiceProvider.GetRequiredService<InstanceActorService>().ExistsAsync(default));

        await Node.Services.PrepareDatabaseAsync(); // what the next start does
        Assert.Equal(1, await Node.WithDbAsync(db => db.LocalActors.CountAsync(a => a.Kind == ActorKind.Application)));
        await Node.Services.PrepareDatabaseAsync();
        Assert.Equal(1, await Node.WithDbAsync(db => db.LocalActors.CountAsync(a => a.Kind == ActorKind.Application)));
    }

    [DbFact]
    public async Task The_applied_migrations_are_read_from_the_record()
    {
        await using var scope = Node.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync());
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var scripts = SchemaMigrator.Scripts(SchemaMigrator.ProviderFolder(db)).Select(s => s.Version).ToList();
        async Task<List<string>> AppliedAsync() =>
            [.. (await SchemaMigrator.ReadFirstColumnAsync(db, "SELECT version FROM schema_migrations", default)).Cast<string>().Order(StringComparer.Ordinal)];

        // Every version is listed as applied; one taken out of the record is not.
        Assert.Equal(scripts, await AppliedAsync());
        await db.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = {0}", scripts[^1]);
        Assert.Equal(scripts[..^1], await AppliedAsync());
    }
}

public sealed class StartupChecksTestsOnPostgres : StartupChecksTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
