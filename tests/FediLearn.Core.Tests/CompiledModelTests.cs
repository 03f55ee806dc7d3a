using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SqliteModel = FediLearn.Core.Data.CompiledModels.Sqlite.FediLearnDbContextModel;
using PostgresModel = FediLearn.Core.Data.CompiledModels.Postgres.FediLearnDbContextModel;

namespace FediLearn.Core.Tests;

/// <summary>
/// The node runs on compiled EF models (scripts/compiled-models.sh), one per provider. Each must describe exactly the
/// model that FediLearnDbContext.OnModelCreating builds, or the node would read and write columns the migrations do not
/// have. No database is opened: both models are built from the code alone.
/// </summary>
public sealed class CompiledModelTests
{
    public static TheoryData<string> Providers => new() { "Sqlite", "Postgres" };

    private const string Regenerate = "The compiled EF model is out of date: run scripts/compiled-models.sh.";

    [Theory]
    [MemberData(nameof(Providers))]
    public void Compiled_model_equals_the_model_built_from_the_configuration(string provider)
    {
        using var built = Context(provider, compiled: false);
        using var compiled = Context(provider, compiled: true);
        // The compiled model is one instance per process, and a raw SQL query into a non-entity type (the delivery
        // claim's) adds an ad-hoc entity type to it at run time; other tests here may have done so. Do it on purpose.
        if (provider == "Sqlite") _ = compiled.Database.SqlQueryRaw<Probe>("SELECT 1 AS \"Id\"").ToList();

        var expected = Describe(built.Model);
        Assert.Contains("Relational:ColumnName: activity_id", expected, StringComparison.Ordinal); // the description names columns
        Assert.Equal(expected, Describe(compiled.Model));
        Assert.Equal(
            built.Model.GetRelationalModel().ToDebugString(MetadataDebugStringOptions.LongDefault),
            compiled.Model.GetRelationalModel().ToDebugString(MetadataDebugStringOptions.LongDefault));
    }

    /// <summary>The debug string does not show value converters; PostgreSQL's DateTime converters must still agree.</summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public void Compiled_value_converters_convert_like_the_configured_ones(string provider)
    {
        using var built = Context(provider, compiled: false);
        using var compiled = Context(provider, compiled: true);
        DateTime[] samples =
        [
            new(2026, 12, 3, 15, 4, 5, DateTimeKind.Utc),
            new(2026, 12, 3, 15, 4, 5, DateTimeKind.Unspecified),
            new(2026, 12, 3, 15, 4, 5, DateTimeKind.Local), // tells converters apart only where local time is not UTC
        ];

        var converted = 0;
        foreach (var entity in built.Model.GetEntityTypes())
        foreach (var property in entity.GetProperties())
        {
            var twin = compiled.Model.FindEntityType(entity.Name)!.FindProperty(property.Name)!;
            var (expected, actual) = (property.GetTypeMapping().Converter, twin.GetTypeMapping().Converter);
            var where = $"{entity.ShortName()}.{property.Name}: {Regenerate}";
            Assert.True((expected is null) == (actual is null), where);
            if (expected is null || actual is null) continue;
            Assert.Equal((expected.ModelClrType, expected.ProviderClrType), (actual.ModelClrType, actual.ProviderClrType));
            if (expected.ModelClrType != typeof(DateTime)) continue;
            foreach (var value in samples)
            {
                var (toStore, toStoreTwin) = ((DateTime)expected.ConvertToProvider(value)!, (DateTime)actual.ConvertToProvider(value)!);
                Assert.True(toStore == toStoreTwin && toStore.Kind == toStoreTwin.Kind, $"{where} writes {value:O} ({value.Kind}) differently");
                var (fromStore, fromStoreTwin) = ((DateTime)expected.ConvertFromProvider(toStore)!, (DateTime)actual.ConvertFromProvider(toStore)!);
                Assert.True(fromStore == fromStoreTwin && fromStore.Kind == fromStoreTwin.Kind, $"{where} reads {toStore:O} differently");
            }
            converted++;
        }
        // PostgreSQL converts every DateTime (PostgresModel); SQLite needs none.
        if (provider == "Postgres") Assert.True(converted > 20, $"only {converted} DateTime converters compared");
        else Assert.Equal(0, converted);
    }

    /// <summary>The comparison above must see a change: a model that differs in one column's length is not equal.</summary>
    [Fact]
    public void Description_notices_a_changed_column()
    {
        Assert.NotEqual(Describe(Thing(nameLength: 100)), Describe(Thing(nameLength: 101)));

        static IModel Thing(int nameLength)
        {
            var builder = new ModelBuilder();
            builder.Entity("Thing", e =>
            {
                e.Property<int>("Id");
                e.Property<string>("Name").HasMaxLength(nameLength);
            });
            return (IModel)builder.FinalizeModel();
        }
    }

    /// <summary>What the node itself resolves: its pooled contexts run on the compiled model of the configured provider.</summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public void Node_contexts_use_the_compiled_model(string provider)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FediLearn:PublicUrl"] = "https://coop.example",
            ["FediLearn:DataPath"] = Path.Combine(Path.GetTempPath(), "fedilearn-core-tests", Guid.NewGuid().ToString("N")),
            ["FediLearn:Database:Provider"] = provider,
            ["FediLearn:Database:ConnectionString"] = provider == "Postgres" ? "Host=127.0.0.1;Database=unused" : null,
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddFediLearnCore(configuration).BuildServiceProvider();
        using var scope = services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>().Model;
        Assert.Same(provider == "Postgres" ? PostgresModel.Instance : SqliteModel.Instance, model);
    }

    private static FediLearnDbContext Context(string provider, bool compiled)
    {
        var options = new DbContextOptionsBuilder<FediLearnDbContext>();
        if (provider == "Postgres")
        {
            options.UseNpgsql("Host=127.0.0.1;Database=unused");
            if (compiled) options.UseModel(PostgresModel.Instance);
        }
        else
        {
            options.UseSqlite("Data Source=:memory:");
            if (compiled) options.UseModel(SqliteModel.Instance);
        }
        return new FediLearnDbContext(options.Options);
    }

    /// <summary>
    /// Every entity type (properties, columns, keys, indexes, foreign keys, navigations and their annotations) and the
    /// model's annotations; not the ad-hoc types that raw SQL queries add to a model as it runs.
    /// </summary>
    private static string Describe(IModel model) =>
        string.Join("\n", model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.ToDebugString(MetadataDebugStringOptions.LongDefault)))
        + "\n" + string.Join("\n", model.GetAnnotations().OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => $"{a.Name}: {a.Value}"));

    private sealed record Probe(long Id);
}
