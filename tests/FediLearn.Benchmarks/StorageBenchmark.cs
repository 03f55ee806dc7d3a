using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;
using static FediLearn.Benchmarks.Report;

namespace FediLearn.Benchmarks;

/// <summary>
/// Storage (performance.md "Storage"): growth of a node's SQLite database (fedilearn.db + its WAL, after a checkpoint)
/// per 10,000 relayed replies. Each reply is a Mastodon-shaped, draft-cavage-signed Create{Note} from one of 50 remote
/// actors (a FakeRemoteServer serving their actor documents and key), inReplyTo a group prompt, POSTed to the node's
/// real shared inbox; the node stores it, relays it as an Announce and delivers that to the group's 10 followers (one
/// shared inbox on the same fake server). With --quick 500 replies are sent and the growth is extrapolated linearly.
/// </summary>
public sealed class StorageBenchmark(BenchOptions options)
{
    private const string Password = "bench-password-1";
    private const string Group = "storage";
    private const int Authors = 50;
    private const int Senders = 32;

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var replies = options.Quick ? 500 : 10_000;
        var setup = Stopwatch.StartNew();
        await using var remote = await FakeRemoteServer.StartAsync();
        await using var node = await NodeProcess.StartAsync("storage", ct, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["FediLearn__RateLimits__InboxPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__FetchPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__ApiPerTokenPerMinute"] = "0",
        });
        Info($"node started: {N(setup.Elapsed.TotalSeconds, "0.0")} s");
        await ReadsBenchmark.Cli(node.CliWithInputAsync(Password + "\n", "users", "add", "ana", "--email", "ana@bench.example"));
        var tokenTask = ReadsBenchmark.Cli(node.CliAsync("tokens", "add", "ana"));
        await ReadsBenchmark.Cli(node.CliAsync("groups", "add", Group, "--title", "Storage circle", "--facilitator", "ana"));
        var token = (await tokenTask).StdOut.Trim();
        using var api = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var publish = new StringContent(JsonSerializer.Serialize(new { content = "One thing you learned this week?" }), Encoding.UTF8, "application/json");
        using var published = await api.PostAsync($"api/groups/{Group}/prompts", publish, ct);
        var publishedText = await published.Content.ReadAsStringAsync(ct);
        if ((int)published.StatusCode != 201) throw new InvalidOperationException($"publish answered {(int)published.StatusCode}: {publishedText}");
        var prompt = JObject.Parse(publishedText).Value<string>("id")!;
        var groupUri = $"{node.Origin}/g/{Group}";
        var handle = $"@{Group}@{node.Authority}";

        using var db = new NodeDatabase(node.DataPath);
        await ReadsBenchmark.WaitQuietAsync(db, ct);
        db.SeedFollowers(db.GroupId(Group), "followers", 10, [remote.SharedInbox]);

        Info($"user, group, prompt, 10 followers: {N(setup.Elapsed.TotalSeconds, "0.0")} s");
        var keys = Enumerable.Range(0, Authors).Select(a => SigningKey.FromPem($"{remote.Actor($"a{a}")}#main-key", remote.PrivatePem)).ToArray();
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false, UseCookies = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = Senders,
        }) { Timeout = TimeSpan.FromSeconds(60) };
        var inbox = new Uri($"{node.Origin}/inbox");

        // Sends replies [from, to): each its own note id; authors round-robin. Returns the non-202 answers.
        async Task<ConcurrentBag<string>> SendAsync(int from, int to)
        {
            var failures = new ConcurrentBag<string>();
            var cursor = from - 1;
            await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
            {
                int n;
                while ((n = Interlocked.Increment(ref cursor)) < to && !ct.IsCancellationRequested)
                {
                    var author = $"a{n % Authors}";
                    var note = $"{remote.Actor(author)}/statuses/{n}";
                    var create = remote.MastodonReply(author, note, prompt, groupUri, handle,
                        $"<p><span class=\"h-card\"><a href=\"{groupUri}\" class=\"u-url mention\">{handle}</a></span> Answer {n}: what I learned this week is that spaced repetition works better than rereading.</p>");
                    var body = Encoding.UTF8.GetBytes(create.ToString(Newtonsoft.Json.Formatting.None));
                    using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
                    HttpSignatureSigner.SignDraftCavage(request, body, keys[n % Authors], DateTimeOffset.UtcNow);
                    using var response = await client.SendAsync(request, ct);
                    if ((int)response.StatusCode != 202) failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            }, CancellationToken.None)));
            return failures;
        }

        async Task DrainAsync(int expectedReplies)
        {
            var deadline = Stopwatch.GetTimestamp() + (options.Quick ? 150 : 1200) * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (Count(db, "SELECT COUNT(*) FROM inbox_items WHERE state IN (0, 1)") == 0 && db.OpenFanouts() == 0 && db.OpenDeliveries() == 0
                    && Count(db, "SELECT COUNT(*) FROM replies") >= expectedReplies) return;
                await Task.Delay(100, ct);
            }
            throw new TimeoutException($"storage: the node did not process {expectedReplies} replies in time: {Count(db, "SELECT COUNT(*) FROM replies")} stored; {db.QueueSummary()}");
        }

        // Warm-up (not counted): every author's first contact (actor and key fetched, remote_actors row), JIT, caches.
        var warmupFailures = await SendAsync(0, Authors);
        if (!warmupFailures.IsEmpty) throw new InvalidOperationException($"storage warm-up: {warmupFailures.Count} non-202, first: {warmupFailures.First()}\n{node.Output}");
        Info($"warm-up: {Authors} replies (one per author) answered 202: {N(setup.Elapsed.TotalSeconds, "0.0")} s");
        await DrainAsync(Authors);
        var before = Checkpoint(db, node.DataPath);
        var tablesBefore = Tables(db);
        Snapshot(node.DataPath, "before");
        Info($"setup: {N(setup.Elapsed.TotalSeconds, "0.0")} s; before: {N(before.Bytes / 1e6, "0.00")} MB ({(before.Busy ? "checkpoint busy" : "checkpointed")})");

        var sending = Stopwatch.StartNew();
        var failures = await SendAsync(Authors, Authors + replies);
        var sent = sending.Elapsed;
        await DrainAsync(Authors + replies);
        var processed = sending.Elapsed;
        await Task.Delay(500, ct);
        var after = Checkpoint(db, node.DataPath);
        var tablesAfter = Tables(db);
        Snapshot(node.DataPath, "after");

        var stored = Count(db, "SELECT COUNT(*) FROM replies") - Authors;
        var announces = Count(db, "SELECT COUNT(*) FROM outbound_activities WHERE type = 'Announce'") - Authors;
        var growthMb = (after.Bytes - before.Bytes) / 1e6;
        var per10k = growthMb * 10_000 / replies;
        var ok = per10k <= 30 && failures.IsEmpty && stored == replies && announces == replies;
        Target("storage per 10,000 relayed replies", $"{N(per10k, "0.0")} MB{(replies != 10_000 ? $" (measured {N(growthMb, "0.0")} MB for {N(replies)}, extrapolated linearly)" : "")}",
            per10k / 30, "30 MB", "≤ 30 MB", ok);
        Detail($"{N(replies)} signed Create{{Note}} POSTed to the real inbox by {Senders} senders: {N(replies - failures.Count)} answered 202 ({(failures.IsEmpty ? "all" : failures.Count + " not, first: " + failures.First())}) in {N(sent.TotalSeconds, "0.0")} s ({N(replies / sent.TotalSeconds)}/s); all stored and relayed after {N(processed.TotalSeconds, "0.0")} s ({N(replies / processed.TotalSeconds)}/s)");
        Detail($"stored {N(stored)} replies, {N(announces)} Announces; db + WAL {N(before.Bytes / 1e6, "0.00")} → {N(after.Bytes / 1e6, "0.00")} MB (checkpoint {(after.Busy ? "busy: WAL not truncated" : "done")}); {N(after.Bytes - before.Bytes > 0 ? (after.Bytes - before.Bytes) / (double)replies : 0)} bytes per reply; reply JSON as sent ~{N(AverageReplyBytes(db))} bytes");
        Detail($"what a relayed reply leaves, average bytes per row: inbox_items.json {N(Avg(db, "SELECT AVG(LENGTH(json)) FROM inbox_items"))} (the received activity; emptied once applied), "
            + $"replies.json {N(Avg(db, "SELECT AVG(LENGTH(json)) FROM replies"))} + content_html {N(Avg(db, "SELECT AVG(LENGTH(content_html)) FROM replies"))}, "
            + $"Announce outbound_activities.json {N(Avg(db, "SELECT AVG(LENGTH(json)) FROM outbound_activities WHERE type = 'Announce'"))}; "
            + $"rows per reply: delivery_jobs {N(Count(db, "SELECT COUNT(*) FROM delivery_jobs") / (double)(replies + Authors), "0.0")}, fanout_jobs {N(Count(db, "SELECT COUNT(*) FROM fanout_jobs") / (double)(replies + Authors), "0.0")}; plus their indexes");
        if (tablesAfter.Count > 0)
            Detail("growth by table and index (dbstat, MB): " + string.Join(", ", tablesAfter
                .Select(t => (t.Key, Mb: (t.Value - tablesBefore.GetValueOrDefault(t.Key)) / 1e6)).Where(t => t.Mb >= 0.05).OrderByDescending(t => t.Mb)
                .Select(t => $"{t.Key} {N(t.Mb, "0.0")}")));
        foreach (var key in keys) key.Dispose();
        return ok;
    }

    /// <summary>
    /// The bundled e_sqlite3 has no dbstat, so the per-table line is often missing: with FEDILEARN_STORAGE_SNAPSHOTS=folder
    /// the checkpointed database is copied there before and after, for e.g. Python's sqlite3 (which has dbstat) to break down.
    /// </summary>
    private static void Snapshot(string dataPath, string name)
    {
        if (Environment.GetEnvironmentVariable("FEDILEARN_STORAGE_SNAPSHOTS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, $"{name}.db");
        File.Copy(Path.Combine(dataPath, "fedilearn.db"), target, overwrite: true);
        Detail($"database copied to {target}");
    }

    /// <summary>Checkpoints the WAL into the database (TRUNCATE) and returns the size of db + WAL.</summary>
    private static (long Bytes, bool Busy) Checkpoint(NodeDatabase db, string dataPath)
    {
        var busy = true;
        for (var attempt = 0; attempt < 20 && busy; attempt++)
        {
            using var cmd = db.Connection.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = cmd.ExecuteReader();
            reader.Read();
            busy = reader.GetInt64(0) != 0;
            if (busy) Thread.Sleep(100);
        }
        return (db.FileBytes(dataPath), busy);
    }

    /// <summary>Bytes per table and index (SQLite's dbstat), or nothing when the build lacks it.</summary>
    private static Dictionary<string, long> Tables(NodeDatabase db)
    {
        var sizes = new Dictionary<string, long>();
        try
        {
            using var cmd = db.Connection.CreateCommand();
            cmd.CommandText = "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) sizes[reader.GetString(0)] = reader.GetInt64(1);
        }
        catch (SqliteException) { }
        return sizes;
    }

    private static double AverageReplyBytes(NodeDatabase db) => Avg(db, "SELECT AVG(LENGTH(json)) FROM replies");

    private static double Avg(NodeDatabase db, string sql)
    {
        using var cmd = db.Connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToDouble(cmd.ExecuteScalar() ?? 0.0, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Count(NodeDatabase db, string sql)
    {
        using var cmd = db.Connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
