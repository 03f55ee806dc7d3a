using System.Text.RegularExpressions;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 7 item 5 (docs/operations.md): the health check, the metrics a scraper reads, and the client address behind a reverse proxy.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task Health_and_metrics_show_an_operator_the_queues_and_only_with_the_token()
    {
        await using var a = await PublishingNode.StartAsync("ops", new Dictionary<string, string> { ["FediLearn:Metrics:Token"] = MetricsToken });
        await using var remote = await FakeRemoteServer.StartAsync();

        using (var health = await Http.GetAsync($"{a.Node.Origin}/health"))
        {
            Assert.Equal(200, (int)health.StatusCode);
            var body = JObject.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("ok", body.Value<string>("status"));
            Assert.Equal("ok", body.Value<string>("database"));
        }

        foreach (var auth in new[] { null, "Bearer wrong-token-0123456789", "Basic " + MetricsToken, "Bearer " + MetricsToken + "x" })
        {
            using var refused = await GetMetricsAsync(a.Node, auth);
            Assert.Equal(401, (int)refused.StatusCode);
            Assert.Contains("FediLearn:Metrics:Token", JObject.Parse(await refused.Content.ReadAsStringAsync()).Value<string>("error"));
        }

        var before = await MetricsAsync(a.Node);
        Assert.Equal(1, before["fedilearn_groups"]);
        Assert.Equal(0, before["fedilearn_followers_accepted"]);
        Assert.Equal(0, before["fedilearn_delivery_jobs{state=\"succeeded\"}"]);
        Assert.True(before["process_resident_memory_bytes"] > 10_000_000);

        using (var response = await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))) Assert.Equal(202, (int)response.StatusCode);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        await a.PublishAsync("posts", new { content = "Counted by the scraper" });
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));

        await EventuallyAsync(async () =>
        {
            var now = await MetricsAsync(a.Node);
            return now["fedilearn_followers_accepted"] == 1 && now["fedilearn_delivery_jobs{state=\"succeeded\"}"] == 2
                   && now["fedilearn_inbox_items{state=\"done\"}"] == 1 && now["fedilearn_delivery_jobs_due"] == 0
                   && now["fedilearn_inbox_items{state=\"pending\"}"] == 0;
        }, "the metrics count the follow, its Accept and the Create", a.Node);
        // SQLite's one writer, as this process used it: the follow, the Accept and the Create were written through it.
        var after = await MetricsAsync(a.Node);
        Assert.True(after["fedilearn_sqlite_writes_total"] > before.GetValueOrDefault("fedilearn_sqlite_writes_total"));
        Assert.True(after["fedilearn_sqlite_writer_held_seconds_total"] > before.GetValueOrDefault("fedilearn_sqlite_writer_held_seconds_total"));
        Assert.True(after["fedilearn_sqlite_writer_waited_seconds_total"] >= 0);
        using (var text = await GetMetricsAsync(a.Node, "Bearer " + MetricsToken))
            Assert.Contains("# TYPE fedilearn_sqlite_writer_held_seconds_total counter\n", await text.Content.ReadAsStringAsync());

        await using var plain = await NodeProcess.StartAsync("ops-off");
        using var off = await GetMetricsAsync(plain, "Bearer " + MetricsToken);
        Assert.Equal(404, (int)off.StatusCode);
        Assert.Contains("Metrics are off", JObject.Parse(await off.Content.ReadAsStringAsync()).Value<string>("error"));
    }

    /// <summary>
    /// An idle node gives the garbage collector's spare memory back (Services/IdleMemoryTrimmer.cs): once at start-up,
    /// then once after each spell of work followed by Memory:IdleTrimAfter of quiet. The twin: with the setting at zero
    /// the node never collects on its own.
    /// </summary>
    [Fact]
    public async Task An_idle_node_gives_its_spare_memory_back_unless_the_idle_trim_is_off()
    {
        var on = NodeProcess.StartAsync("trim", settings: new Dictionary<string, string> { ["FediLearn:Metrics:Token"] = MetricsToken, ["FediLearn:Memory:IdleTrimAfter"] = "00:00:01" });
        var off = NodeProcess.StartAsync("trim-off", settings: new Dictionary<string, string> { ["FediLearn:Metrics:Token"] = MetricsToken, ["FediLearn:Memory:IdleTrimAfter"] = "00:00:00" });
        await using var trimming = await on;
        await using var plain = await off;

        // Counted before the trimming node's work, so that a trim in any quiet moment from then on counts: under load a
        // pause inside the work can be the quiet spell, and the spare memory is then given back before the work ends.
        // (Until 2026-12-05 it was counted after both nodes' work, and a trim during the other node's work was missed.)
        await WorkAsync(plain);
        var beforeWork = (await MetricsAsync(trimming))["fedilearn_memory_trims_total"];
        Assert.True(beforeWork >= 1, "the start-up collection is counted");
        await WorkAsync(trimming);

        // Each scrape is work too: leave the node 2.5 s of quiet between them.
        var trims = beforeWork;
        for (var attempt = 0; attempt < 8 && trims <= beforeWork; attempt++)
        {
            await Task.Delay(2500);
            trims = (await MetricsAsync(trimming))["fedilearn_memory_trims_total"];
        }
        Assert.True(trims > beforeWork, $"no idle trim after the work ({trims} trims)\n{trimming.Output}");
        Assert.True((await MetricsAsync(trimming))["dotnet_gc_committed_bytes"] > 0);

        await Task.Delay(2500);
        Assert.Equal(0, (await MetricsAsync(plain))["fedilearn_memory_trims_total"]);

        // Pages and documents rendered: a few MB allocated.
        static async Task WorkAsync(NodeProcess node)
        {
            for (var i = 0; i < 40; i++)
            {
                using var page = await Http.GetAsync($"{node.Origin}/");
                Assert.Equal(200, (int)page.StatusCode);
                using var info = await Http.GetAsync($"{node.Origin}/.well-known/nodeinfo");
                Assert.Equal(200, (int)info.StatusCode);
            }
        }
    }

    /// <summary>
    /// A SQLite node does not map PostgreSQL's provider (docs/performance.md, "Memory"): the provider checks read the
    /// provider's name, and each provider is configured in a method of its own. Before, asking <c>IsNpgsql()</c>, or
    /// compiling the method that named both providers, loaded Npgsql's EF provider on every node. Nor does it map ICU
    /// (globalization-invariant mode, since 2026-12-05): the session's times across a DST change, its non-ASCII text and
    /// the pages still come out right without it.
    /// </summary>
    [Fact]
    public async Task A_sqlite_node_does_not_load_the_postgres_provider_or_icu()
    {
        await using var a = await PublishingNode.StartAsync("sqlite-only");
        await a.PublishAsync("posts", new { content = "Week one: bring a question." });
        // What ICU would otherwise do: a time zone's rules, a non-ASCII title and text, an IDN host in a link.
        var session = await a.PublishAsync("sessions", new { title = "Überblick: Straße und Café", content = "Link: https://bücher.example/kapitel",
            startsAt = "2027-03-28T01:30", endsAt = "2027-03-28T04:00", timezone = "Europe/Berlin", joinUrl = "https://bücher.example/raum" });
        foreach (var path in new[] { "/", "/g/rust", "/g/rust/outbox?page=1", "/.well-known/nodeinfo" })
        {
            using var response = await Http.GetAsync($"{a.Node.Origin}{path}");
            Assert.Equal(200, (int)response.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, (string)session["id"]!))
        {
            request.Headers.Accept.ParseAdd("application/activity+json");
            using var response = await Http.SendAsync(request);
            var json = await response.Content.ReadAsStringAsync();
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Contains("\"startTime\":\"2027-03-28T01:30:00+01:00\"", json); // CET, before the change at 02:00
            Assert.Contains("\"endTime\":\"2027-03-28T04:00:00+02:00\"", json);  // CEST after it
            Assert.Contains("Überblick: Straße und Café", json);
        }
        var maps = File.ReadLines($"/proc/{a.Node.Pid}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .Select(Path.GetFileName).Distinct().ToList();
        Assert.Contains("Microsoft.EntityFrameworkCore.Sqlite.dll", maps); // the check can see a provider
        Assert.Contains(maps, f => f!.StartsWith("libcrypto.so", StringComparison.Ordinal)); // and a native library
        Assert.DoesNotContain(maps, f => f!.StartsWith("Npgsql", StringComparison.Ordinal));
        Assert.DoesNotContain(maps, f => f!.StartsWith("libicu", StringComparison.Ordinal));
    }

    /// <summary>
    /// A database the node cannot open or reach stops the server and the CLI with one line naming it and why, and exit code
    /// 1 (systemd restarts the unit): until 2026-12-05 it was an unhandled exception, a stack trace and exit code 134.
    /// A connection string that cannot be parsed is a configuration error, as every other bad setting is.
    /// </summary>
    [Fact]
    public async Task A_database_that_cannot_be_opened_or_reached_is_one_line_and_exit_code_1()
    {
        await using var node = await NodeProcess.StartAsync("ops-baddb");
        await node.KillAsync();
        var file = Path.Combine(node.DataPath, "fedilearn.db");
        foreach (var leftover in new[] { file + "-wal", file + "-shm" }) File.Delete(leftover);
        await File.WriteAllBytesAsync(file, System.Text.Encoding.ASCII.GetBytes(new string('x', 8192)));
        foreach (var args in new[] { Array.Empty<string>(), ["groups", "list"] })
        {
            var run = await node.CliAsync(args);
            Assert.True(run.ExitCode == 1, $"{string.Join(' ', args)}: exit {run.ExitCode}\n{run.StdOut}\n{run.StdErr}");
            Assert.Contains($"error: cannot open the database (SQLite, {file}): SQLite Error 26: 'file is not a database'.", run.StdErr);
            Assert.DoesNotContain("Unhandled exception", run.StdErr + run.StdOut);
        }

        // Nothing listens on the port (FreePort releases it): the connection is refused.
        node.Configure("FediLearn__Database__Provider", "Postgres");
        node.Configure("FediLearn__Database__ConnectionString", $"Host=127.0.0.1;Port={NodeProcess.FreePort()};Username=x;Database=nothere;Timeout=5");
        var unreachable = await node.CliAsync();
        Assert.True(unreachable.ExitCode == 1, $"exit {unreachable.ExitCode}\n{unreachable.StdOut}\n{unreachable.StdErr}");
        Assert.Contains("error: cannot open the database (PostgreSQL, host 127.0.0.1, port ", unreachable.StdErr);
        Assert.DoesNotContain("Unhandled exception", unreachable.StdErr + unreachable.StdOut);

        node.Configure("FediLearn__Database__ConnectionString", "garbage=;");
        var malformed = await node.CliAsync();
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains("Configuration error: FediLearn:Database:ConnectionString is not a valid PostgreSQL connection string", malformed.StdErr);
        Assert.DoesNotContain("Unhandled exception", malformed.StdErr + malformed.StdOut);
    }

    /// <summary>
    /// The runtime's counters on /metrics: bytes allocated rise with the work done between two scrapes, and the collections
    /// are counted by the generation collected (the start-up trim is an aggressive gen2 collection, so gen2 counts it).
    /// </summary>
    [Fact]
    public async Task The_metrics_count_what_the_process_allocates_and_its_collections()
    {
        await using var node = await NodeProcess.StartAsync("ops-gc", settings: new Dictionary<string, string> { ["FediLearn:Metrics:Token"] = MetricsToken });
        var before = await MetricsAsync(node);
        for (var i = 0; i < 20; i++)
        {
            using var page = await Http.GetAsync($"{node.Origin}/");
            Assert.Equal(200, (int)page.StatusCode);
        }
        var after = await MetricsAsync(node);
        const string allocated = "dotnet_gc_heap_total_allocated_bytes_total";
        Assert.True(after[allocated] - before[allocated] > 20 * 1024, $"20 pages allocated {after[allocated] - before[allocated]} bytes");
        string[] generations = ["gen0", "gen1", "gen2"];
        var collections = generations.Select(g => after[$"dotnet_gc_collections_total{{gc_heap_generation=\"{g}\"}}"]).ToArray();
        Assert.All(collections, c => Assert.True(c >= 0));
        Assert.True(collections[2] >= after["fedilearn_memory_trims_total"] && collections[2] >= 1, $"gen2 {collections[2]}, trims {after["fedilearn_memory_trims_total"]}");
        Assert.True(after["dotnet_gc_pause_time_seconds_total"] > 0);
        Assert.True(after["dotnet_gc_pause_time_seconds_total"] >= before["dotnet_gc_pause_time_seconds_total"]);
    }

    /// <summary>
    /// A proxy on the same machine appends the visitor's address to X-Forwarded-For: logins are counted per visitor, not
    /// per proxy, and a visitor cannot escape their budget by sending an X-Forwarded-For of their own (only the entry the
    /// proxy appended counts). The twin: without the header every visitor looks like the proxy and shares one budget.
    /// </summary>
    [Fact]
    public async Task Behind_a_reverse_proxy_each_visitor_has_their_own_login_budget_and_cannot_forge_another()
    {
        await using var node = await NodeProcess.StartAsync("proxied", settings: new Dictionary<string, string> { ["FediLearn:RateLimits:LoginPerAddressPerMinute"] = "2" });

        Assert.Equal([false, false, true], await LoginsAsync(node, 3, _ => "203.0.113.1"));
        Assert.Equal([false, false], await LoginsAsync(node, 2, _ => "203.0.113.2")); // another visitor, own budget
        // The same visitor prepending made-up addresses: the proxy's entry (last) is still theirs.
        Assert.Equal([true, true], await LoginsAsync(node, 2, i => $"198.51.100.{i}, 203.0.113.1"));

        await using var direct = await NodeProcess.StartAsync("direct", settings: new Dictionary<string, string> { ["FediLearn:RateLimits:LoginPerAddressPerMinute"] = "2" });
        Assert.Equal([false, false, true], await LoginsAsync(direct, 3, _ => null));
    }

    [PostgresFact]
    public async Task Health_answers_503_with_a_reason_when_the_database_is_gone()
    {
        await using var database = await PostgresNodeTests.Database.CreateAsync();
        await using var node = await NodeProcess.StartAsync("ops-pg", settings: database.Settings());
        using (var ok = await Http.GetAsync($"{node.Origin}/health")) Assert.Equal(200, (int)ok.StatusCode);

        await database.DisposeAsync(); // DROP DATABASE … WITH (FORCE): every connection of the node is cut
        using (var down = await Http.GetAsync($"{node.Origin}/health"))
        {
            Assert.Equal(503, (int)down.StatusCode);
            var body = JObject.Parse(await down.Content.ReadAsStringAsync());
            Assert.Equal("unavailable", body.Value<string>("status"));
            Assert.Equal("unreachable", body.Value<string>("database"));
        }
    }

    private static async Task<List<bool>> LoginsAsync(NodeProcess node, int count, Func<int, string?> forwardedFor)
    {
        var limited = new List<bool>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{node.Origin}/login")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Login"] = "nobody", ["Password"] = "wrong" }),
            };
            if (forwardedFor(i) is { } header) request.Headers.TryAddWithoutValidation("X-Forwarded-For", header);
            using var response = await Http.SendAsync(request);
            limited.Add((int)response.StatusCode == 429);
        }
        return limited;
    }
}
