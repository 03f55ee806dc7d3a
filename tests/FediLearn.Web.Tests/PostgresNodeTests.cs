using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using Npgsql;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>A [Fact] that needs the PostgreSQL server named by FEDILEARN_TEST_POSTGRES; reported as skipped, with the reason, without it.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresNodeTests.Server is null)
            Skip = "needs PostgreSQL: FEDILEARN_TEST_POSTGRES is not set (`scripts/test-postgres.sh start` prints a value, .ci/run sets it)";
    }
}

/// <summary>The server process on PostgreSQL (FediLearn:Database:Provider=Postgres), each test on a fresh database of its own.</summary>
public sealed class PostgresNodeTests
{
    internal static string? Server => Environment.GetEnvironmentVariable("FEDILEARN_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    [PostgresFact]
    public async Task A_node_on_PostgreSQL_migrates_at_start_and_answers_a_follow_with_a_signed_Accept()
    {
        await using var database = await Database.CreateAsync();
        await using var node = await NodeProcess.StartAsync("pg", settings: database.Settings());
        await using var remote = await FakeRemoteServer.StartAsync();
        await node.CliAsync("groups", "add", "open", "--title", "Open group").MustAsync();

        var follow = remote.Follow($"{node.Origin}/g/open");
        using (var response = await remote.SendAsync($"{node.Origin}/g/open/inbox", follow))
            Assert.Equal(202, (int)response.StatusCode);

        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.True(JToken.DeepEquals(follow, accept.Activity["object"]));
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox));
        Assert.Contains($"{remote.ActorId} accepted", (await node.CliAsync("followers", "list", "open")).StdOut);
        Assert.Equal(FediLearn.Core.Data.SchemaMigrator.Scripts("Postgres").Count, await database.ScalarAsync("SELECT count(*) FROM schema_migrations"));
    }

    /// <summary>
    /// Two app processes behind one public URL share one database and its queues: every follow, whichever process
    /// received it, is answered exactly once (the inbox and delivery queues are claimed with FOR UPDATE SKIP LOCKED).
    /// </summary>
    [PostgresFact]
    public async Task Two_processes_sharing_one_database_answer_each_follow_exactly_once()
    {
        await using var database = await Database.CreateAsync();
        await using var a = await NodeProcess.StartAsync("pg-a", settings: database.Settings());
        await using var b = await NodeProcess.StartAsync("pg-b", settings: database.Settings(("FediLearn__PublicUrl", a.Origin)));
        await using var remote = await FakeRemoteServer.StartAsync();
        var groups = Enumerable.Range(1, 6).Select(i => $"shared{i}").ToList();
        foreach (var g in groups) await a.CliAsync("groups", "add", g, "--title", g).MustAsync();

        for (var i = 0; i < groups.Count; i++)
        {
            var receiver = i % 2 == 0 ? a : b; // the inbox POST lands on either process
            using var response = await remote.SendAsync($"{receiver.Origin}/g/{groups[i]}/inbox", remote.Follow($"{a.Origin}/g/{groups[i]}"));
            Assert.Equal(202, (int)response.StatusCode);
        }

        await EventuallyAsync(() => Task.FromResult(Accepts(remote).Count == groups.Count), "every follow accepted", a);
        await Task.Delay(2000); // a second claim of the same job would deliver a duplicate by now
        var accepted = Accepts(remote);
        Assert.Equal(groups.Select(g => $"{a.Origin}/g/{g}").Order(), accepted.Order());
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM delivery_jobs WHERE state <> 2"));
    }

    /// <summary>
    /// PostgreSQL restarting or out of reach for a moment (a relay in front of it is cut): pages, API, ActivityPub GETs
    /// and the inbox answer 503 with Retry-After and a plain message, not 500 (remote servers retry; nothing is wrong
    /// with the request); the node keeps running and answers as before once the database is back.
    /// </summary>
    [PostgresFact]
    public async Task While_the_database_is_out_of_reach_requests_get_503_with_retry_after_and_the_node_recovers()
    {
        await using var database = await Database.CreateAsync();
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var relay = new TcpRelay(server.Host!, server.Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = relay.Port, Timeout = 3 }.ConnectionString;
        await using var node = await NodeProcess.StartAsync("pg-outage", settings: database.Settings(("FediLearn__Database__ConnectionString", throughRelay)));
        await node.CliAsync("groups", "add", "open", "--title", "Open group").MustAsync();
        await using var remote = await FakeRemoteServer.StartAsync();

        async Task<(int Status, string? RetryAfter, string Body)> GetAsync(string path, string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, node.Origin + path);
            request.Headers.Accept.ParseAdd(accept);
            using var response = await Http.SendAsync(request);
            return ((int)response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(200, (await GetAsync("/g/open", "text/html")).Status);
        relay.Cut();
        foreach (var (path, accept) in new[] { ("/", "text/html"), ("/g/open/posts", "text/html"), ("/g/open/outbox", "application/activity+json") })
        {
            var (status, retryAfter, body) = await GetAsync(path, accept);
            Assert.True(status == 503, $"{path}: {status} {body}");
            Assert.Equal("30", retryAfter);
            Assert.Contains("cannot reach its database right now", body);
        }
        using (var follow = await remote.SendAsync($"{node.Origin}/g/open/inbox", remote.Follow($"{node.Origin}/g/open")))
            Assert.Equal(503, (int)follow.StatusCode);
        Assert.Equal("running", node.State);
        Assert.DoesNotContain("Unhandled error", node.Output);

        relay.Restore();
        await EventuallyAsync(async () => (await GetAsync("/g/open", "text/html")).Status == 200, "the node serves pages again", node);
        using (var follow = await remote.SendAsync($"{node.Origin}/g/open/inbox", remote.Follow($"{node.Origin}/g/open")))
            Assert.Equal(202, (int)follow.StatusCode);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
    }

    private static List<string> Accepts(FakeRemoteServer remote) =>
        remote.Received.Where(r => r.Activity.Value<string>("type") == "Accept").Select(r => r.Activity.Value<string>("actor")!).ToList();

    /// <summary>A database of its own on the test server, dropped on dispose.</summary>
    internal sealed class Database : IAsyncDisposable
    {
        private Database(string connectionString) => ConnectionString = connectionString;

        public string ConnectionString { get; }

        public static async Task<Database> CreateAsync()
        {
            var server = Server ?? throw new InvalidOperationException("FEDILEARN_TEST_POSTGRES is not set");
            var name = "fl_web_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(server))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await command.ExecuteNonQueryAsync();
            }
            return new Database(new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
        }

        public Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
        {
            var settings = new Dictionary<string, string>
            {
                ["FediLearn__Database__Provider"] = "Postgres",
                ["FediLearn__Database__ConnectionString"] = ConnectionString,
            };
            foreach (var (key, value) in extra) settings[key] = value;
            return settings;
        }

        public async Task<long> ScalarAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }

        public async ValueTask DisposeAsync()
        {
            await using (var pooled = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(pooled);
            await using var connection = new NpgsqlConnection(Server);
            await connection.OpenAsync();
            var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
