using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FediLearn.Testing;
using static FediLearn.Benchmarks.Report;

namespace FediLearn.Benchmarks;

/// <summary>One URL kind of `reads`: what is fetched, with which Accept, and its target ratio to the bare endpoint.</summary>
public sealed record ReadUrl(string Kind, string Path, string? Accept, double Target);

/// <summary>
/// Reads (performance.md "Reads", "Memory"): GETs/s of a real FediLearn process for WebFinger, the group's actor JSON, an
/// object's JSON, an outbox page, a followers page and the group's HTML page, 64 connections, against a bare ASP.NET Core
/// endpoint in a separate process that returns the same bytes with the same Content-Type, with the same load generator,
/// A and B alternated per round. Also the node's resident memory idle and under this load.
/// </summary>
public sealed class ReadsBenchmark(BenchOptions options)
{
    private const int Connections = 64;
    private const string Password = "bench-password-1";
    private const string Group = "reads";
    private const double P99TargetMs = 50;

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var rounds = options.Quick ? 2 : 3;
        var duration = TimeSpan.FromSeconds(options.Quick ? 1.5 : 3);
        var setup = Stopwatch.StartNew();
        await using var node = await NodeProcess.StartAsync("reads", ct, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            [ProcessStats.TrimLogging.Key] = ProcessStats.TrimLogging.Value,
            // No per-sender budget for the load (it all comes from 127.0.0.1 unsigned): a 429 would invalidate the run.
            ["FediLearn__RateLimits__FetchPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__ApiPerTokenPerMinute"] = "0",
        });
        var pid = ProcessStats.FindServerPid(node.DataPath) ?? throw new InvalidOperationException("server process not found in /proc");
        var justStarted = ProcessStats.ResidentMb(pid) ?? double.NaN;
        var serverGc = ServerGc();
        Info($"node: {node.BaseUrl} pid {pid}, server {NodeProcess.WebAssemblyPath} ({(serverGc ? "server" : "workstation")} GC); RSS just started {N(justStarted)} MB");

        await Cli(node.CliWithInputAsync(Password + "\n", "users", "add", "ana", "--email", "ana@bench.example"));
        var tokenTask = Cli(node.CliAsync("tokens", "add", "ana"));
        await Cli(node.CliAsync("groups", "add", Group, "--title", "Reading circle", "--facilitator", "ana"));
        var token = (await tokenTask).StdOut.Trim();
        using var api = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Published items, before any follower exists (so nothing is delivered): a prompt and 20 posts, the outbox page's items.
        string? objectUrl = null;
        await PublishAsync(api, "prompts", "What did you read this week?", ct);
        for (var i = 0; i < 20; i++)
            objectUrl = await PublishAsync(api, "posts", $"<p>Post {i}: notes on chapter {i}, with a link to <a href=\"https://example.org/{i}\">the text</a>.</p>", ct);
        using var db = new NodeDatabase(node.DataPath);
        await WaitQuietAsync(db, ct);
        // 40 accepted followers (a followers page), seeded directly; nothing is published after this, so none is contacted.
        db.SeedFollowers(db.GroupId(Group), "readers", 40, Enumerable.Range(0, 8).Select(n => $"http://127.0.0.1:9/inbox/{n}").ToList());

        var urls = new List<ReadUrl>
        {
            new("WebFinger", $".well-known/webfinger?resource=acct:{Group}@{node.Authority}", null, 0.40),
            new("actor JSON", $"g/{Group}", "application/activity+json", 0.40),
            new("object JSON", new Uri(objectUrl!).PathAndQuery.TrimStart('/'), "application/activity+json", 0.25),
            new("outbox page", $"g/{Group}/outbox?page=1", "application/activity+json", 0.15),
            new("followers page", $"g/{Group}/followers?page=1", "application/activity+json", 0.15),
            new("group HTML page", $"g/{Group}", "text/html,application/xhtml+xml", 0.10),
            // Kept for anonymous visitors in ThreadPageCache (before e98cf7a it was built on every GET: 0.06).
            new("item HTML page", new Uri(objectUrl!).PathAndQuery.TrimStart('/'), "text/html,application/xhtml+xml", 0.10),
        };
        // Without --quick, also /health: the request pipeline, no rendering and no read cache, and one database check (on
        // SQLite, EF's CanConnect opens and closes a connection of its own each time: sqlite3_open_v2 and close_v2 in a
        // profile of this load), so ~1,500/s. A diagnostic, not a target.
        if (!options.Quick) urls.Add(new("health (diagnostic: pipeline + database check)", "health", null, double.NaN));

        // The exact bytes and Content-Type of each answer, for the bare endpoint to return.
        var folder = Path.Combine(Path.GetTempPath(), "fedilearn-bench-reads-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var sizes = new int[urls.Count];
        for (var i = 0; i < urls.Count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, urls[i].Path);
            if (urls[i].Accept is { } accept) request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await api.SendAsync(request, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if ((int)response.StatusCode != 200) throw new InvalidOperationException($"{urls[i].Kind} {urls[i].Path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
            var type = response.Content.Headers.ContentType?.ToString() ?? throw new InvalidOperationException($"{urls[i].Kind}: no Content-Type");
            await File.WriteAllBytesAsync(Path.Combine(folder, $"{i}.body"), bytes, ct);
            await File.WriteAllTextAsync(Path.Combine(folder, $"{i}.type"), type, ct);
            sizes[i] = bytes.Length;
            Info($"  {urls[i].Kind}: GET /{urls[i].Path} → 200, {N(bytes.Length)} bytes, {type}");
        }
        var (bareProcess, bareUrl) = await BareReadServer.StartAsync(folder, serverGc, ct);
        try
        {
            await Task.Delay(1000, ct);
            var quietOneSecond = ProcessStats.ResidentMb(pid) ?? double.NaN;
            var trimsOneSecond = ProcessStats.IdleTrims(node.Output);
            var cpuQuiet = ProcessStats.CpuTime(pid);
            await Task.Delay(ProcessStats.IdleSettle - TimeSpan.FromSeconds(1), ct);
            var idle = ProcessStats.ResidentMb(pid) ?? double.NaN;
            ProcessStats.SaveMappings(pid, "reads-idle");
            var trimsIdle = ProcessStats.IdleTrims(node.Output);
            cpuQuiet = ProcessStats.CpuTime(pid) - cpuQuiet;
            Info($"setup: {N(setup.Elapsed.TotalSeconds, "0.0")} s; node RSS idle after setup and one GET of each URL: {N(idle)} MB; bare server pid {bareProcess.Id}");

            using var load = new LoadGenerator(Connections);
            // Warm-up (not counted): JIT, connection pools, caches, on both sides.
            var warm = TimeSpan.FromMilliseconds(options.Quick ? 300 : 1000);
            for (var i = 0; i < urls.Count; i++)
            {
                await load.RunAsync(new Uri(node.BaseUrl, urls[i].Path), urls[i].Accept, sizes[i], warm, ct);
                await load.RunAsync(new Uri(bareUrl, i.ToString(CultureInfo.InvariantCulture)), urls[i].Accept, sizes[i], warm, ct);
            }
            await Task.Delay(ProcessStats.IdleSettle, ct);
            var idleAfterWarm = ProcessStats.ResidentMb(pid) ?? double.NaN;

            // Peak RSS of the node while the load runs, sampled every 25 ms.
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var peak = 0.0;
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, ProcessStats.ResidentMb(pid) ?? 0);
                    await Task.Delay(25, sampling.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }, CancellationToken.None);

            var fedi = urls.Select(_ => new List<LoadResult>()).ToArray();
            var bare = urls.Select(_ => new List<LoadResult>()).ToArray();
            var cpu = urls.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < urls.Count; i++)
                {
                    for (var leg = 0; leg < 2; leg++)
                    {
                        if ((leg == 0) == (round % 2 == 0))
                            bare[i].Add(await load.RunAsync(new Uri(bareUrl, i.ToString(CultureInfo.InvariantCulture)), urls[i].Accept, sizes[i], duration, ct));
                        else
                        {
                            var cpu0 = ProcessStats.CpuTime(pid);
                            var r = await load.RunAsync(new Uri(node.BaseUrl, urls[i].Path), urls[i].Accept, sizes[i], duration, ct);
                            fedi[i].Add(r);
                            cpu[i].Add((ProcessStats.CpuTime(pid) - cpu0).TotalMilliseconds * 1000 / Math.Max(1, r.Ok));
                        }
                        await Task.Delay(150, ct);
                    }
                }
                Info($"round {round + 1}/{rounds}: " + string.Join(", ", urls.Select((u, i) => $"{u.Kind} {N(fedi[i][^1].PerSecond)}/{N(bare[i][^1].PerSecond)}")) + " (FediLearn/bare GETs/s)");
            }
            await sampling.CancelAsync();
            await sampler;
            await Task.Delay(1000, ct);
            var afterLoad = ProcessStats.ResidentMb(pid) ?? double.NaN;
            var hwm = ProcessStats.ResidentMb(pid, "VmHWM") ?? double.NaN;

            Console.WriteLine();
            var pass = true;
            var worstP99 = 0.0;
            var worstKind = "";
            for (var i = 0; i < urls.Count; i++)
            {
                var f = fedi[i];
                var b = bare[i];
                var rate = Stat.Of(f.Select(r => r.PerSecond));
                var bareRate = Stat.Of(b.Select(r => r.PerSecond));
                var ratio = Stat.Of(f.Zip(b, (x, y) => x.PerSecond / y.PerSecond)); // paired within a round
                var errors = f.Sum(r => r.Errors) + b.Sum(r => r.Errors);
                var p99 = Stat.Of(f.Select(r => r.P99Ms));
                if (double.IsNaN(urls[i].Target))
                {
                    Info($"reads {urls[i].Kind}: {N(rate.Median)} GETs/s ({N(ratio.Median, "0.00")} of bare endpoint {N(bareRate.Median)}/s; no target)");
                    Detail($"p99 {N(p99.Median, "0.0")} ms; server CPU {N(Stat.Of(cpu[i]).Median)} µs per GET; errors {errors}");
                    continue;
                }
                var ok = ratio.Median >= urls[i].Target && errors == 0;
                pass &= ok;
                if (p99.Median > worstP99) (worstP99, worstKind) = (p99.Median, urls[i].Kind);
                Target($"reads {urls[i].Kind}", $"{N(rate.Median)} GETs/s", ratio.Median, $"bare endpoint {N(bareRate.Median)}/s", $"≥ {N(urls[i].Target, "0.00")}", ok);
                Detail($"ratio {ratio.Format("0.00")}; FediLearn {rate.Format()}/s, p50 {N(Stat.Of(f.Select(r => r.P50Ms)).Median, "0.0")} ms, p99 {N(p99.Median, "0.0")} ms (max over rounds {N(p99.Max, "0.0")}); bare p50 {N(Stat.Of(b.Select(r => r.P50Ms)).Median, "0.0")} ms, p99 {N(Stat.Of(b.Select(r => r.P99Ms)).Median, "0.0")} ms; {N(sizes[i])} bytes; server CPU {N(Stat.Of(cpu[i]).Median)} µs per GET; errors {errors}{(errors > 0 ? " (" + f.Concat(b).First(r => r.Errors > 0).ErrorSample + ")" : "")}");
            }
            var p99Ok = worstP99 <= P99TargetMs;
            pass &= p99Ok;
            Target("reads p99 latency (worst URL kind)", $"{N(worstP99, "0.0")} ms, {worstKind}", worstP99 / P99TargetMs, $"{N(P99TargetMs)} ms", $"≤ {N(P99TargetMs)} ms", p99Ok);
            Detail($"{Connections} connections, {N(duration.TotalSeconds, "0.#")} s per URL and side, {rounds} rounds A/B alternated; load generator in the benchmark process (HttpClient), bare endpoint and FediLearn each in their own process");

            var idleOk = idle <= 150;
            Target("memory idle", $"{N(idle)} MB RSS", idle / 150, "150 MB", "≤ 150 MB", idleOk);
            Detail($"just started {N(justStarted)} MB; after setup and one GET of each URL {N(quietOneSecond)} MB 1 s later, {N(idle)} MB {N(ProcessStats.IdleSettle.TotalSeconds)} s later (idle trims logged by then: {trimsOneSecond}, {trimsIdle}; node CPU in between {N(cpuQuiet.TotalMilliseconds)} ms); after the warm-up load {N(idleAfterWarm)} MB; 1 s after the measured load {N(afterLoad)} MB");
            var peakRss = Math.Max(peak, double.IsNaN(hwm) ? 0 : hwm);
            var peakOk = peakRss <= 400;
            Target("memory under reads", $"{N(peakRss)} MB peak RSS", peakRss / 400, "400 MB", "≤ 400 MB", peakOk);
            Detail($"sampled every 25 ms during the load: max {N(peak)} MB; kernel peak (VmHWM) {N(hwm)} MB");
            pass &= idleOk & peakOk;
            ServerLog(node);
            return pass;
        }
        finally
        {
            try { bareProcess.StandardInput.Close(); if (!bareProcess.WaitForExit(3000)) bareProcess.Kill(); } catch (InvalidOperationException) { }
            bareProcess.Dispose();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<string> PublishAsync(HttpClient api, string kind, string content, CancellationToken ct)
    {
        using var body = new StringContent(JsonSerializer.Serialize(new { content }), Encoding.UTF8, "application/json");
        using var response = await api.PostAsync($"api/groups/{Group}/{kind}", body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"publish {kind} answered {(int)response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Until no fan-out or delivery job is open (a bounded wait).</summary>
    internal static async Task WaitQuietAsync(NodeDatabase db, CancellationToken ct, int seconds = 60)
    {
        var deadline = Stopwatch.GetTimestamp() + seconds * Stopwatch.Frequency;
        while ((db.OpenFanouts() > 0 || db.OpenDeliveries() > 0) && Stopwatch.GetTimestamp() < deadline) await Task.Delay(50, ct);
    }

    /// <summary>FediLearn.Web's GC mode from its runtimeconfig.json (the bare endpoint runs with the same).</summary>
    internal static bool ServerGc()
    {
        var config = Path.ChangeExtension(NodeProcess.WebAssemblyPath, ".runtimeconfig.json");
        if (!File.Exists(config)) return false;
        using var doc = JsonDocument.Parse(File.ReadAllText(config));
        return doc.RootElement.TryGetProperty("runtimeOptions", out var ro) && ro.TryGetProperty("configProperties", out var cp)
            && cp.TryGetProperty("System.GC.Server", out var gc) && gc.ValueKind == JsonValueKind.True;
    }

    internal static async Task<CliResult> Cli(Task<CliResult> cli)
    {
        var result = await cli;
        if (result.ExitCode != 0) throw new InvalidOperationException($"CLI failed ({result.ExitCode}): {result.StdErr}{result.StdOut}");
        return result;
    }
}
