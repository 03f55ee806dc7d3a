using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace FediLearn.Core.Data;

/// <summary>
/// The PostgreSQL model (snake_case names, <see cref="PostgresModel"/>'s DateTime handling) with every value written as
/// given: no key or column is store-generated and no column default applies. A copy must keep each row's id (other rows
/// and remote servers point at it) and each value even where it equals the CLR default, e.g. a false bool whose column
/// default is true would otherwise be left out of the INSERT and take the default.
/// </summary>
internal sealed class PostgresCopyModelCustomizer(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
{
    public override void Customize(ModelBuilder modelBuilder, DbContext context)
    {
        base.Customize(modelBuilder, context);
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        foreach (var property in entity.GetProperties())
        {
            property.ValueGenerated = ValueGenerated.Never;
            property.RemoveAnnotation(RelationalAnnotationNames.DefaultValue);
            property.RemoveAnnotation(RelationalAnnotationNames.DefaultValueSql);
        }
    }
}

internal static class CopyContexts
{
    /// <summary>The target: a PostgreSQL context whose inserts keep every value (<see cref="PostgresCopyModelCustomizer"/>).</summary>
    public static FediLearnDbContext PostgresTarget(Npgsql.NpgsqlConnection connection) => new(
        new DbContextOptionsBuilder<FediLearnDbContext>()
            .UseNpgsql(connection)
            .ReplaceService<IModelCustomizer, PostgresCopyModelCustomizer>()
            .Options);

    /// <summary>The target as the app sees it, for the migrator.</summary>
    public static FediLearnDbContext Postgres(Npgsql.NpgsqlConnection connection) => new(
        new DbContextOptionsBuilder<FediLearnDbContext>().UseNpgsql(connection).Options);

    /// <summary>The source as the app sees it, on an already open (read-only) connection.</summary>
    public static FediLearnDbContext Sqlite(Microsoft.Data.Sqlite.SqliteConnection connection) => new(
        new DbContextOptionsBuilder<FediLearnDbContext>().UseSqlite(connection).Options);
}
