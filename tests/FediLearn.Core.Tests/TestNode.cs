using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Tests;

/// <summary>
/// A real Core service provider (AddFediLearnCore) over a real SQLite file in a fresh temp folder, or over a fresh
/// PostgreSQL database of its own (see <see cref="TestPostgres"/>), migrated by PrepareDatabaseAsync. Deleted again on dispose.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    public const string PublicUrl = "https://coop.example";

    private TestNode(string dataPath, ServiceProvider services, TestProvider provider, string? postgresConnectionString, QueryWarnings queryWarnings)
    {
        QueryWarnings = queryWarnings;
        DataPath = dataPath;
        Services = services;
        Provider = provider;
        PostgresConnectionString = postgresConnectionString;
    }

    public TestProvider Provider { get; }

    /// <summary>EF Core's warnings about this node's queries; any fails the test when the node is disposed.</summary>
    public QueryWarnings QueryWarnings { get; }

    /// <summary>The node's own PostgreSQL database (null on SQLite).</summary>
    public string? PostgresConnectionString { get; }

    public string DataPath { get; }
    public ServiceProvider Services { get; }
    public string DatabaseFile => Path.Combine(DataPath, "fedilearn.db");

    /// <param name="settings">Extra configuration on top of the defaults, e.g. FediLearn:Federation:AllowPrivateAddresses.</param>
    public static async Task<TestNode> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestProvider provider = TestProvider.Sqlite)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "fedilearn-core-tests", Guid.NewGuid().ToString("N"));
        var defaults = new Dictionary<string, string?>
        {
            ["FediLearn:PublicUrl"] = PublicUrl,
            ["FediLearn:DataPath"] = dataPath,
        };
        string? postgres = null;
        if (provider == TestProvider.Postgres)
        {
            postgres = await TestPostgres.CreateDatabaseAsync();
            defaults["FediLearn:Database:Provider"] = "Postgres";
            defaults["FediLearn:Database:ConnectionString"] = postgres;
        }
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(defaults)
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var queryWarnings = new QueryWarnings();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(queryWarnings))
            .AddFediLearnCore(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var node = new TestNode(dataPath, services, provider, postgres, queryWarnings);
        try
        {
            await services.PrepareDatabaseAsync();
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    /// <summary>Runs <paramref name="work"/> with a DbContext of its own scope.</summary>
    public async Task<T> WithDbAsync<T>(Func<FediLearnDbContext, Task<T>> work)
    {
        await using var scope = Scope();
        return await work(scope.ServiceProvider.GetRequiredService<FediLearnDbContext>());
    }

    /// <summary>The details of SQLite's <c>EXPLAIN QUERY PLAN</c> for <paramref name="sql"/>, one line per step.</summary>
    public Task<List<string>> SqlitePlanAsync(string sql) => WithDbAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await PlanAsync(command);
    });

    /// <summary>The same for the statement EF builds from <paramref name="query"/>, its parameters bound.</summary>
    public Task<List<string>> SqlitePlanAsync<T>(Func<FediLearnDbContext, IQueryable<T>> query) => WithDbAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        await using var command = query(db).CreateDbCommand();
        return await PlanAsync(command);
    });

    private static async Task<List<string>> PlanAsync(System.Data.Common.DbCommand command)
    {
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        return lines;
    }

    public async Task<LocalActor> AddActorAsync(ActorKind kind, string name, bool manuallyApproves = false)
    {
        var actor = LocalActorFactory.Create(kind, name, name, null, manuallyApproves, DateTime.UtcNow);
        await WithDbAsync(async db =>
        {
            db.LocalActors.Add(actor);
            return await db.SaveChangesAsync();
        });
        return actor;
    }

    public async Task<RemoteActor> AddRemoteActorAsync(string uri, string? inbox = null)
    {
        var u = new Uri(uri);
        var actor = new RemoteActor
        {
            Uri = uri,
            Type = "Person",
            Host = u.Authority,
            Username = u.Segments[^1],
            Inbox = inbox ?? uri + "/inbox",
            SharedInbox = $"{u.Scheme}://{u.Authority}/inbox",
            KeyId = uri + "#main-key",
            FetchedAt = DateTime.UtcNow,
        };
        await WithDbAsync(async db =>
        {
            db.RemoteActors.Add(actor);
            return await db.SaveChangesAsync();
        });
        return actor;
    }

    /// <summary>
    /// ana, a facilitator, and her group "circle" with these settings and one published prompt: the group, the prompt's
    /// URL (what replies answer) and its id.
    /// </summary>
    public async Task<(LocalActor Group, string Prompt, long PromptId)> AddGroupWithPromptAsync(PostingPolicy policy = PostingPolicy.Open, bool membersOnly = false)
    {
        var ana = await AddActorAsync(ActorKind.Person, "ana");
        var group = await AddActorAsync(ActorKind.Group, "circle");
        await using var scope = Scope();
        if (policy != PostingPolicy.Open || membersOnly) // a change of settings sends the group's Update: only when needed
            await scope.ServiceProvider.GetRequiredService<GroupService>().UpdateSettingsAsync("circle",
                new GroupSettings("Circle", null, false, policy, null, null, null, MembersOnly: membersOnly), default);
        group = await scope.ServiceProvider.GetRequiredService<FediLearnDbContext>().LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id);
        var prompt = await scope.ServiceProvider.GetRequiredService<PublishingService>()
            .CreateAsync(group, ana, ItemKind.Prompt, new ItemInput { Content = "What did you learn?" }, default);
        return (group, Services.GetRequiredService<FediLearn.Core.Federation.ActorUrls>().Item("circle", ItemKind.Prompt, prompt.Id), prompt.Id);
    }

    /// <summary>Remote actors added (see <see cref="AddRemoteActorAsync"/>) as approved followers of <paramref name="actor"/>.</summary>
    public async Task AddFollowersAsync(LocalActor actor, params string[] uris)
    {
        foreach (var uri in uris)
        {
            var remote = await AddRemoteActorAsync(uri);
            await WithDbAsync(db =>
            {
                db.Followers.Add(new Follower { LocalActorId = actor.Id, RemoteActorId = remote.Id, ActorUri = uri, State = FollowState.Accepted, CreatedAt = DateTime.UtcNow });
                return db.SaveChangesAsync();
            });
        }
    }

    /// <summary>An inbox worker on this node's services, run by hand (<c>RunOnceAsync</c>) rather than as a hosted service.</summary>
    public FediLearn.Core.Queues.InboxWorker NewInboxWorker(Microsoft.Extensions.Logging.ILogger<FediLearn.Core.Queues.InboxWorker>? logger = null) =>
        new(Services.GetRequiredService<IServiceScopeFactory>(), Services.GetRequiredService<FediLearn.Core.Queues.InboxSignal>(),
            Services.GetRequiredService<FediLearn.Core.Inbox.ParsedActivityHandoff>(),
            Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FediLearn.Core.Options.FediLearnOptions>>(), TimeProvider.System,
            logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<FediLearn.Core.Queues.InboxWorker>.Instance);

    /// <summary>An activity received as the inbox endpoint hands it on once its signature by <paramref name="signer"/> is checked.</summary>
    public async Task<FediLearn.Core.Inbox.ReceiveOutcome> ReceiveAsync(Newtonsoft.Json.Linq.JObject activity, string signer)
    {
        await using var scope = Scope();
        // The endpoint hands on its parse of the body, which the worker then applies: the same here, not the caller's object.
        var json = activity.ToString(Newtonsoft.Json.Formatting.None);
        return await scope.ServiceProvider.GetRequiredService<FediLearn.Core.Inbox.InboxReceiver>()
            .ReceiveAsync(FediLearn.ActivityPub.Json.ActivityJson.Parse(json), json, signer, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (PostgresConnectionString is not null) await TestPostgres.DropDatabaseAsync(PostgresConnectionString);
        // Pooled connections keep the file open; drop only this database's pool, then the folder.
        SqliteConnection.ClearPool(new SqliteConnection($"Data Source={DatabaseFile};Default Timeout=30"));
        try
        {
            if (Directory.Exists(DataPath)) Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException) { /* best effort: the temp folder is unique to this node */ }
        if (QueryWarnings.Lines is { Count: > 0 } warned)
            throw new Xunit.Sdk.XunitException("EF Core warned about a query:\n" + string.Join("\n", warned));
    }
}

/// <summary>
/// One <see cref="TestNode"/> per test: xunit creates the class per test and calls these around it. A class deriving from
/// a data test class with <see cref="Provider"/> = Postgres (and <see cref="IPostgresVariant"/>) runs the same tests on PostgreSQL.
/// </summary>
public abstract class NodeTest : IAsyncLifetime
{
    private TestNode? _node;

    protected TestNode Node => _node ?? throw new InvalidOperationException("node not started");

    protected virtual TestProvider Provider => TestProvider.Sqlite;

    public async Task InitializeAsync()
    {
        // A PostgreSQL variant without a server is reported as skipped by [DbFact]; its node is never started.
        if (Provider == TestProvider.Postgres && TestPostgres.ServerConnectionString is null) return;
        _node = await TestNode.StartAsync(provider: Provider);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
    }

    /// <summary>Every inbox item was applied (Done) without an error: nothing failed, nothing waits for a retry.</summary>
    protected async Task AssertInboxAllDoneAsync() =>
        Assert.All(await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().Select(i => new { i.State, i.LastError }).ToListAsync()),
            i => Assert.Equal((InboxState.Done, (string?)null), (i.State, i.LastError)));

    /// <summary>The group's Announces, as delivered, whose JSON contains <paramref name="text"/> (an author, a reply's words).</summary>
    protected async Task<List<string>> RelayedAsync(string text)
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var documents = scope.ServiceProvider.GetRequiredService<FediLearn.Core.Queues.OutboundDocuments>();
        var relays = new List<string>();
        foreach (var row in await db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").ToListAsync())
        {
            var json = await documents.JsonAsync(db, row, default);
            if (json.Contains(text, StringComparison.Ordinal)) relays.Add(json);
        }
        return relays;
    }
}

/// <summary>A logger that keeps each line it is given, for tests that read what the inbox worker said.</summary>
public sealed class ListLogger<T>(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue(formatter(state, exception));
}
