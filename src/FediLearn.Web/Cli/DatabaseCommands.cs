using System.CommandLine;
using System.Globalization;
using FediLearn.Core;
using FediLearn.Core.Data;
using FediLearn.Core.Options;
using FediLearn.Core.Services;
using Microsoft.Extensions.Options;

namespace FediLearn.Web.Cli;

/// <summary>Moving a node's data between database providers (docs/configuration.md, "Moving from SQLite to PostgreSQL").</summary>
internal static class DatabaseCommands
{
    public static Command Build()
    {
        var to = new Option<string>("--to")
        {
            Description = "Npgsql connection string of the EMPTY target database, e.g. \"Host=db;Username=fedilearn;Password=…;Database=fedilearn\"",
            Required = true,
        };
        var batch = new Option<int>("--batch-size") { Description = "Rows per insert batch", DefaultValueFactory = _ => 2000 };
        var copy = new Command("copy-to-postgres",
            "Copy this node's SQLite database (the configured DataPath or ConnectionString) into an empty PostgreSQL database: " +
            "creates the schema, copies every table keeping ids and actor keys, resets sequences and verifies row counts and keys. " +
            "Stop the node first; the SQLite file is only read.") { to, batch };
        copy.SetAction((parse, ct) => CopyAsync(parse.GetValue(to)!, parse.GetValue(batch), ct));
        return new Command("database", "Database maintenance: move a node from SQLite to PostgreSQL") { copy };
    }

    private static async Task<int> CopyAsync(string target, int batchSize, CancellationToken ct)
    {
        if (CliApp.ConfiguredBuilder() is not { } builder) return 1;
        if (batchSize is < 1 or > 100_000)
        {
            Console.Error.WriteLine("error: --batch-size must be between 1 and 100000");
            return 1;
        }
        // No PrepareDatabaseAsync here: the source is read as it is, never migrated or written.
        builder.Services.AddFediLearnCore(builder.Configuration);
        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<FediLearnOptions>>().Value;
        if (options.Database.Provider != DatabaseProvider.Sqlite)
        {
            Console.Error.WriteLine($"error: this node is configured for {options.Database.Provider} (FediLearn:Database:Provider); copy-to-postgres copies from a SQLite node only");
            return 1;
        }

        var source = CoreServiceCollectionExtensions.SqliteConnectionString(options);
        Console.WriteLine($"Copying {CoreServiceCollectionExtensions.SqliteDataSource(options)} to PostgreSQL. The node must be stopped: rows it writes from now on are not copied.");
        try
        {
            var summary = await new SqliteToPostgresCopier(Console.Out, batchSize).CopyAsync(source, target, ct);
            return Report(summary, target, options);
        }
        catch (FediLearnException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Report(CopySummary summary, string target, FediLearnOptions options)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(c, $"  {"table",-24} {"source",12} {"target",12}"));
        foreach (var t in summary.Tables)
            Console.WriteLine(string.Create(c, $"  {t.Table,-24} {t.Source,12:N0} {t.Target,12:N0}{(t.Source == t.Target ? "" : "  MISMATCH")}"));
        var wrong = summary.Tables.Where(t => t.Source != t.Target).ToList();
        if (wrong.Count > 0)
        {
            Console.Error.WriteLine($"error: row counts differ for {string.Join(", ", wrong.Select(t => t.Table))}: do not switch to this database; drop it, create it again and copy again with the node stopped");
            return 1;
        }
        var seconds = Math.Max(summary.Elapsed.TotalSeconds, 0.001);
        Console.WriteLine(string.Create(c,
            $"Copied {summary.Rows:N0} rows in {summary.Tables.Count} tables in {summary.Elapsed.TotalSeconds:N1} s ({summary.Rows / seconds:N0} rows/s); counts match; keys of {summary.LocalActorKeys} local actors identical."));
        Console.WriteLine();
        Console.WriteLine("Next: change the node's configuration to use PostgreSQL, then start it:");
        Console.WriteLine("  FediLearn__Database__Provider=Postgres");
        Console.WriteLine($"  FediLearn__Database__ConnectionString={WithoutPassword(target)}");
        Console.WriteLine("  (in appsettings.json: \"FediLearn\": { \"Database\": { \"Provider\": \"Postgres\", \"ConnectionString\": \"…\" } })");
        Console.WriteLine($"Keep FediLearn:DataPath ({options.ResolveDataPath()}) and PublicUrl as they are: uploaded media stay in its media folder.");
        Console.WriteLine("Keep the SQLite file as a backup until the node runs well on PostgreSQL.");
        return 0;
    }

    /// <summary>The --to value as it was given, its password (if any) shown as "…": the output may end up in a terminal log.</summary>
    private static string WithoutPassword(string connectionString)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Password)) builder.Password = "…";
            return builder.ConnectionString;
        }
        catch (ArgumentException) { return "<the --to value>"; }
    }
}
