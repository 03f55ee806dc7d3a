using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Tests;

/// <summary>
/// <see cref="DatabaseProviders"/> names the providers instead of asking their assemblies, so its names must be the ones
/// the providers report: a wrong one would send a PostgreSQL node down SQLite's paths, or the other way round.
/// </summary>
public sealed class DatabaseProvidersTests
{
    [Fact]
    public void A_sqlite_context_is_sqlite_and_not_postgres()
    {
        using var db = new FediLearnDbContext(new DbContextOptionsBuilder<FediLearnDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.True(db.Database.IsSqlite()); // EF's own answer
        Assert.True(db.Database.UsesSqlite());
        Assert.False(db.Database.UsesPostgres());
    }

    [Fact]
    public void A_postgres_context_is_postgres_and_not_sqlite()
    {
        // No server is needed: the provider's name comes from the options.
        using var db = new FediLearnDbContext(new DbContextOptionsBuilder<FediLearnDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        Assert.True(db.Database.IsNpgsql());
        Assert.True(db.Database.UsesPostgres());
        Assert.False(db.Database.UsesSqlite());
    }
}
