using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using static FediLearn.Benchmarks.Report;

namespace FediLearn.Benchmarks;

/// <summary>
/// Start (performance.md "Start"): time from process start to the first 200 on /health of a node whose database holds
/// 100 groups and 100,000 replies. One group and its prompt are made the ordinary way (CLI, API); the other 99 groups
/// (copies of its row under other names) and the replies (Mastodon-shaped JSON, spread over the groups, the first
/// group's in its prompt's thread) are seeded directly in SQLite while the node is down. Then the node is started 3 times.
/// The start is timed by NodeProcess (dotnet FediLearn.Web.dll, then GET /health every 100 ms: ±100 ms).
/// </summary>
public sealed class StartBenchmark(BenchOptions options)
{
    private const int Groups = 100;
    private const int Replies = 100_000;

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var setup = Stopwatch.StartNew();
        await using var node = await NodeProcess.StartAsync("start", ct, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["FediLearn__RateLimits__ApiPerTokenPerMinute"] = "0",
        });
        await ReadsBenchmark.Cli(node.CliWithInputAsync("bench-password-1\n", "users", "add", "ana", "--email", "ana@bench.example"));
        var tokenTask = ReadsBenchmark.Cli(node.CliAsync("tokens", "add", "ana"));
        await ReadsBenchmark.Cli(node.CliAsync("groups", "add", "start000", "--title", "Start circle", "--facilitator", "ana"));
        var token = (await tokenTask).StdOut.Trim();
        using (var api = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(60) })
        {
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var body = new StringContent(JsonSerializer.Serialize(new { content = "One thing you learned?" }), Encoding.UTF8, "application/json");
            using var response = await api.PostAsync("api/groups/start000/prompts", body, ct);
            if ((int)response.StatusCode != 201) throw new InvalidOperationException($"publish answered {(int)response.StatusCode}");
        }
        // A first start of this node, for comparison (database with one group).
        var empty = new List<double>();
        for (var i = 0; i < 2; i++) empty.Add(await TimedRestartAsync(node, ct));
        await node.KillAsync();

        var seeding = Stopwatch.StartNew();
        Seed(node.DataPath, node.Origin);
        var size = new[] { "fedilearn.db", "fedilearn.db-wal" }.Select(f => Path.Combine(node.DataPath, f)).Where(File.Exists).Sum(f => new FileInfo(f).Length);
        Info($"setup {N(setup.Elapsed.TotalSeconds, "0.0")} s; seeded {N(Groups)} groups and {N(Replies)} replies in {N(seeding.Elapsed.TotalSeconds, "0.0")} s (not measured); database {N(size / 1e6, "0")} MB");

        var starts = new List<double>();
        var firstActor = new List<double>();
        var firstPage = new List<double>();
        using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 3; i++)
        {
            ct.ThrowIfCancellationRequested();
            starts.Add(await TimedRestartAsync(node, ct));
            // Then the first answers that touch the database: the last group's actor JSON, the first group's page.
            firstActor.Add(await TimedGetAsync(http, $"g/start{Groups - 1:000}", "application/activity+json", ct));
            firstPage.Add(await TimedGetAsync(http, "g/start000", "text/html", ct));
        }
        var s = Stat.Of(starts);
        var ok = s.Median <= 2;
        Target($"start with {N(Replies)} replies", $"{N(s.Median, "0.00")} s", s.Median / 2, "2 s", "≤ 2 s", ok);
        Detail($"process start → first 200 on /health: {s.Format("0.00")} s, {N(Groups)} groups, {N(Replies)} replies, {N(size / 1e6, "0")} MB database; the same node before seeding (1 group): {Stat.Of(empty).Format("0.00")} s");
        Detail($"then the first GET of a group's actor JSON {Stat.Of(firstActor).Format("0")} ms; of the group page with its thread {Stat.Of(firstPage).Format("0")} ms");
        _ = options;
        return ok;
    }

    private static async Task<double> TimedRestartAsync(NodeProcess node, CancellationToken ct)
    {
        await node.KillAsync();
        var watch = Stopwatch.StartNew();
        await node.RestartAsync(ct);
        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimedGetAsync(HttpClient http, string path, string accept, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        if ((int)response.StatusCode != 200) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}");
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>99 copies of the group's row, then 100,000 replies spread over the 100 groups, in one transaction.</summary>
    private static void Seed(string dataPath, string origin)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataPath, "fedilearn.db")};Pooling=False");
        c.Open();
        using var tx = c.BeginTransaction();
        SqliteCommand Cmd(string sql)
        {
            var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            return cmd;
        }
        var columns = new List<string>();
        using (var info = Cmd("SELECT name FROM pragma_table_info('local_actors')"))
        using (var reader = info.ExecuteReader())
            while (reader.Read()) if (reader.GetString(0) is not ("id" or "name")) columns.Add(reader.GetString(0));
        var cols = string.Join(", ", columns.Select(q => $"\"{q}\""));
        using (var groups = Cmd($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Groups - 1})
            INSERT INTO local_actors ("name", {cols}) SELECT printf('start%03d', n.i), {cols} FROM local_actors, n WHERE local_actors.name = 'start000'
            """))
            groups.ExecuteNonQuery();
        long itemId;
        string prompt;
        using (var item = Cmd("SELECT gi.id FROM group_items gi JOIN local_actors a ON a.id = gi.group_id WHERE a.name = 'start000'"))
            itemId = (long)item.ExecuteScalar()!;
        prompt = $"{origin}/g/start000/prompts/{itemId}";
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        using (var replies = Cmd($$"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {{Replies - 1}}),
                 g AS (SELECT id, name, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM local_actors WHERE name LIKE 'start%')
            INSERT INTO replies (uri, group_id, top_item_id, in_reply_to, author_uri, author_host, author_name, content_html, json, published_at, received_at)
            SELECT 'https://remote' || (n.i % 50) || '.example/users/u' || (n.i % 997) || '/statuses/' || n.i,
                   g.id, CASE WHEN g.k = 0 THEN $item ELSE NULL END, $prompt,
                   'https://remote' || (n.i % 50) || '.example/users/u' || (n.i % 997), 'remote' || (n.i % 50) || '.example', 'Learner ' || (n.i % 997),
                   '<p>Answer ' || n.i || ': what I learned this week is that spaced repetition works better than rereading.</p>',
                   '{"@context":["https://www.w3.org/ns/activitystreams",{"sensitive":"as:sensitive"}],"id":"https://remote' || (n.i % 50) || '.example/users/u' || (n.i % 997) || '/statuses/' || n.i || '","type":"Note","summary":null,"inReplyTo":"' || $prompt || '","published":"2026-12-01T10:00:00Z","url":"https://remote' || (n.i % 50) || '.example/@u' || (n.i % 997) || '/' || n.i || '","attributedTo":"https://remote' || (n.i % 50) || '.example/users/u' || (n.i % 997) || '","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://remote' || (n.i % 50) || '.example/users/u' || (n.i % 997) || '/followers","' || g.name || '"],"sensitive":false,"content":"<p>Answer ' || n.i || ': what I learned this week is that spaced repetition works better than rereading.</p>","tag":[{"type":"Mention","href":"' || g.name || '","name":"@' || g.name || '"}]}',
                   $now, $now
            FROM n JOIN g ON g.k = n.i % {{Groups}}
            """))
        {
            replies.Parameters.AddWithValue("$item", itemId);
            replies.Parameters.AddWithValue("$prompt", prompt);
            replies.Parameters.AddWithValue("$now", now);
            replies.CommandTimeout = 300;
            replies.ExecuteNonQuery();
        }
        tx.Commit();
        using var checkpoint = c.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        checkpoint.ExecuteNonQuery();
    }
}
