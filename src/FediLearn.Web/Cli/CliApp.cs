using System.CommandLine;
using FediLearn.Core;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

/// <summary>
/// The admin CLI, in the same executable as the server and against the same configured database:
/// <c>dotnet run --project src/FediLearn.Web -- groups add …</c>. Each verb has --help.
/// </summary>
public static class CliApp
{
    private static readonly HashSet<string> Verbs = ["users", "groups", "facilitators", "followers", "following", "deliveries", "domains", "schema", "tokens", "timeline", "moderation", "sessions", "database", "--help", "-h", "-?", "help", "--version"];

    /// <summary>
    /// A known verb, or a first word that is no server argument (<c>--key value</c>, <c>/key value</c>, <c>key=value</c>):
    /// a mistyped verb (<c>grups list</c>) is then refused by the CLI, where it used to start the server.
    /// </summary>
    public static bool IsCliInvocation(string[] args) =>
        args.Length > 0 && (Verbs.Contains(args[0]) || !args[0].StartsWith('-') && !args[0].StartsWith('/') && !args[0].Contains('='));

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("FediLearn: a federated (ActivityPub) server for cooperative learning groups. Run without a verb to start the server.");
        root.Subcommands.Add(UserCommands.Build());
        root.Subcommands.Add(GroupCommands.Build());
        root.Subcommands.Add(GroupCommands.BuildFacilitators());
        root.Subcommands.Add(FollowerCommands.Build());
        root.Subcommands.Add(FollowerCommands.BuildFollowing());
        root.Subcommands.Add(DeliveryCommands.Build());
        root.Subcommands.Add(DeliveryCommands.BuildDomains());
        root.Subcommands.Add(SchemaCommands.Build());
        root.Subcommands.Add(TokenCommands.Build());
        root.Subcommands.Add(TokenCommands.BuildTimeline());
        root.Subcommands.Add(ModerationCommands.Build());
        root.Subcommands.Add(SessionCommands.Build());
        root.Subcommands.Add(DatabaseCommands.Build());
        // help <verb>: that verb's help. help <no verb>: refused as the word alone is, where it printed the main help, exit 0.
        if (args is ["help", var word, ..] && !Verbs.Contains(word)) args = args[1..];
        else if (args is ["help", .. var verb]) args = [.. verb, "--help"];
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>A --limit option refused outside 1..<paramref name="max"/>, where a 0 or a negative count was quietly taken as 1.</summary>
    internal static Option<int> Limit(string description, int defaultValue, int max)
    {
        var limit = new Option<int>("--limit") { Description = $"{description} (1 to {max})", DefaultValueFactory = _ => defaultValue };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var n && (n < 1 || n > max)) result.AddError($"--limit must be between 1 and {max} (got {n})");
        });
        return limit;
    }

    /// <summary>
    /// A host builder on the node's configuration (appsettings.json next to the executable, then the environment), or
    /// null after one <c>Configuration error: …</c> line per problem when the settings cannot be read or are invalid.
    /// </summary>
    internal static HostApplicationBuilder? ConfiguredBuilder(bool validate = true)
    {
        HostApplicationBuilder builder;
        try
        {
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        }
        catch (Exception e) when (ConfigurationCheck.Unreadable(e) is { } why)
        {
            Console.Error.WriteLine($"Configuration error: {why}");
            return null;
        }
        builder.Logging.ClearProviders();
        if (validate && ConfigurationCheck.Problems(builder.Configuration) is { Count: > 0 } problems)
        {
            foreach (var problem in problems) Console.Error.WriteLine($"Configuration error: {problem}");
            return null;
        }
        return builder;
    }

    /// <summary>Runs one verb against the configured node: validates settings, migrates the database, maps user errors to one line and exit code 1.</summary>
    internal static async Task<int> ExecuteAsync(Func<IServiceProvider, CancellationToken, Task> action, CancellationToken ct)
    {
        if (ConfiguredBuilder() is not { } builder) return 1;
        builder.Services.AddFediLearnCore(builder.Configuration);
        using var host = builder.Build();
        try
        {
            await host.Services.PrepareDatabaseAsync(ct);
            using var scope = host.Services.CreateScope();
            await action(scope.ServiceProvider, ct);
            return 0;
        }
        catch (FediLearnException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (ItemValidationException e)
        {
            foreach (var (field, messages) in e.Errors) Console.Error.WriteLine($"error: {field}: {string.Join(" ", messages)}");
            return 1;
        }
    }
}
