using Microsoft.EntityFrameworkCore.Infrastructure;

namespace FediLearn.Core.Data;

/// <summary>
/// Which provider a context runs on, read from the provider's name. EF's own <c>IsNpgsql()</c> and <c>IsSqlite()</c> are
/// defined in the provider assemblies, so asking <c>IsNpgsql()</c> on a SQLite node loaded Npgsql's EF provider only to
/// answer no (docs/performance.md, "Memory"). <c>DatabaseProvidersTests</c> checks the names against the providers'.
/// </summary>
public static class DatabaseProviders
{
    public const string PostgresName = "Npgsql.EntityFrameworkCore.PostgreSQL";
    public const string SqliteName = "Microsoft.EntityFrameworkCore.Sqlite";

    public static bool UsesPostgres(this DatabaseFacade database) => database.ProviderName == PostgresName;

    public static bool UsesSqlite(this DatabaseFacade database) => database.ProviderName == SqliteName;
}
