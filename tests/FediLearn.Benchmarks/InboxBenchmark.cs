using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FediLearn.Testing;
using static FediLearn.Benchmarks.Report;

namespace FediLearn.Benchmarks;

/// <summary>One receiver's pass of the signed load.</summary>
public sealed record InboxRun(string Receiver, InboxLoadResult Load, double ProcessedSeconds, double PeakRssMb, TimeSpan ServerCpu, NodeCounters? Writer = null)
{
    /// <summary>Activities accepted (202) and processed per second: for FediLearn until stored, relayed (Announce queued) and its inbox queue drained; for the others their 202 is all they do.</summary>
    public double ProcessedPerSecond => Load.Accepted / ProcessedSeconds;
}

/// <summary>
/// Inbox (performance.md "Inbox", issue 7 item 4): signed Create{Note} replies to a published group post, sent by 32
/// concurrent senders to a real FediLearn server process, which must accept (202), store, and relay them (Announce
/// queued). References measured in the same run on the same load: RSA-2048 verifications/s (one core, all cores), a
/// bare verifying .NET inbox (Kestrel, cached key, digest + date + signature, JSON parse, 202, stores nothing), and an
/// independent implementation, @fedify/fedify 2.3.6 (Node 22), receiving the same pre-signed load (re-signed for its URL).
/// </summary>
public sealed class InboxBenchmark(BenchOptions options)
{
    private const int Concurrency = 32;
    private const int ActorPorts = 8; // 8 remote "servers" (FediLearn applies one server's activities in order, servers side by side)
    private const string Password = "bench-password-1";
    private const string MetricsToken = "bench-metrics-token-0123456789";
    private const string Group = "inboxbench";

    private readonly int _senders = options.Quick ? 48 : 96;
    private readonly int _perPass = options.Quick ? 600 : 1_500;
    private readonly List<(double One, double All)> _rsa = [];
    private readonly Dictionary<string, List<InboxRun>> _runs = new() { ["fedilearn"] = [], ["bare"] = [], ["fedify"] = [] };

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var setup = Stopwatch.StartNew();
        await using var peers = await InboxPeers.StartAsync(ActorPorts);
        var keysTask = Task.Run(() => peers.CreateSenders(_senders), ct);
        await using var fedify = await FedifyInbox.StartAsync(ct);
        await using var node = await NodeProcess.StartAsync("inbox", ct, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["FediLearn__RateLimits__InboxPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__FetchPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__ApiPerTokenPerMinute"] = "0",
            ["FediLearn__Metrics__Token"] = MetricsToken,
        });
        var senders = await keysTask;
        var pid = ProcessStats.FindServerPid(node.DataPath) ?? throw new InvalidOperationException("server process not found in /proc");
        var idleStart = ProcessStats.ResidentMb(pid) ?? double.NaN;

        await MustAsync(node.CliWithInputAsync(Password + "\n", "users", "add", "ana", "--email", "ana@bench.example"));
        var tokenTask = MustAsync(node.CliAsync("tokens", "add", "ana"));
        await MustAsync(node.CliAsync("groups", "add", Group, "--title", "Inbox benchmark", "--facilitator", "ana"));
        var token = (await tokenTask).StdOut.Trim();
        using var api = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (var content = new StringContent("""{"content":"What did you try this week? Reply here."}""", Encoding.UTF8, "application/json"))
        using (var response = await api.PostAsync($"api/groups/{Group}/posts", content, ct))
        {
            if ((int)response.StatusCode != 201) throw new InvalidOperationException($"publish answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        using var db = new NodeDatabase(node.DataPath);
        var groupId = db.GroupId(Group);
        string post;
        using (var create = JsonDocument.Parse(db.LatestActivity(groupId).Json))
        {
            var obj = create.RootElement.GetProperty("object");
            post = obj.ValueKind == JsonValueKind.String ? obj.GetString()! : obj.GetProperty("id").GetString()!;
        }
        var groupActor = new Uri(node.BaseUrl, $"g/{Group}").ToString();
        var fediLearnInbox = new Uri(node.BaseUrl, "inbox").ToString();
        using var state = new NodeInboxState(node.DataPath);
        Info($"node: {node.BaseUrl} pid {pid}; group post {post}; Fedify inbox {fedify.Inbox} pid {fedify.Pid}; bare inbox {peers.BareInbox}; " +
             $"{N(_senders)} senders with RSA-2048 keys on {ActorPorts} actor ports; setup {N(setup.Elapsed.TotalSeconds, "0.0")} s");

        using var load = new SignedLoad();
        var receivers = new (string Name, string Inbox)[] { ("fedilearn", fediLearnInbox), ("bare", peers.BareInbox), ("fedify", fedify.Inbox) };

        // Negative controls first: a body changed after signing must be refused, the same request untampered accepted.
        var controlsPass = true;
        foreach (var (name, inbox) in receivers)
        {
            var sender = senders[0];
            var body = SignedLoad.Reply(sender, post, groupActor, "control");
            var tampered = await load.SendOnceAsync(SignedLoad.Signed(inbox, body, sender.Key, DateTimeOffset.UtcNow,
                b => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("I tried", "I faked", StringComparison.Ordinal))), ct);
            var genuine = await load.SendOnceAsync(SignedLoad.Signed(inbox, body, sender.Key, DateTimeOffset.UtcNow, null), ct);
            // FediLearn and the bare inbox answer 401; Fedify's own status for a refused signature is whatever it answers (4xx).
            var refused = name == "fedify" ? tampered.Status is >= 400 and < 500 : tampered.Status == 401;
            var ok = refused && genuine.Status == 202;
            controlsPass &= ok;
            Info($"negative control {Label(name)}: tampered body ({tampered.Status}) {(refused ? "PASS" : "MISS")}; untampered ({genuine.Status}) {(genuine.Status == 202 ? "PASS" : "MISS")}" +
                 (ok ? "" : $" [{Trim(tampered.Body)} | {Trim(genuine.Body)}]"));
        }

        // Warm-up (not counted): every sender to every receiver, so each fetches each key once and keeps it; then as many
        // activities as one measured pass, so that what is measured is a running server, not its JIT: .NET's tiered
        // compilation and V8 both recompile hot code after it has run a while (with 48 activities only, the first
        // measured round of FediLearn was half as fast as the third). Every receiver gets the same warm-up.
        foreach (var (name, inbox) in receivers)
        {
            var warm = await load.RunAsync(SignedLoad.PreSign(senders, inbox, Math.Max(senders.Length, _perPass), post, groupActor, "warm-" + name), Concurrency, options.RunTimeout, ct);
            if (warm.Accepted != warm.Sent) throw new InvalidOperationException($"warm-up {name}: {warm.Accepted} of {warm.Sent} accepted ({Statuses(warm)})\n{Tail(name == "fedify" ? fedify.StdErr : node.Output)}");
        }
        var keyFetches = await FirstContactAsync(peers, load, fediLearnInbox, post, groupActor, ct);
        await WaitProcessedAsync(state, groupId, ExpectedRelayed(state, groupId), node, ct);
        await Task.Delay(500, ct);
        var idle = ProcessStats.ResidentMb(pid) ?? double.NaN;
        var fetchesAfterWarmup = peers.Fetches.ToDictionary(kv => kv.Key, kv => kv.Value);
        Info($"warm-up done: actor documents fetched {string.Join(", ", fetchesAfterWarmup.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))} (of {senders.Length} senders, and {FirstContactKeys} in the first-contact round)");

        var rsaPem = senders[0].PrivateKeyPem; // the RSA baseline verifies with a key of the load's size
        for (var round = 0; round < options.Runs; round++)
        {
            ct.ThrowIfCancellationRequested();
            _rsa.Add((RsaVerifyBaseline.VerificationsPerSecond(rsaPem, 1, options.RsaDuration),
                RsaVerifyBaseline.VerificationsPerSecond(rsaPem, Environment.ProcessorCount, options.RsaDuration)));
            // Receivers alternated: the order rotates every round.
            for (var leg = 0; leg < receivers.Length; leg++)
            {
                var (name, inbox) = receivers[(leg + round) % receivers.Length];
                var requests = SignedLoad.PreSign(senders, inbox, _perPass, post, groupActor, $"r{round}-{name}");
                var run = name == "fedilearn"
                    ? await FediLearnPassAsync(load, requests, state, groupId, node, pid, ct)
                    : new InboxRun(name, await load.RunAsync(requests, Concurrency, options.RunTimeout, ct), double.NaN, double.NaN, TimeSpan.Zero);
                if (name != "fedilearn") run = run with { ProcessedSeconds = run.Load.Seconds };
                _runs[name].Add(run);
                await Task.Delay(300, ct);
            }
            Info($"round {round + 1}/{options.Runs}: FediLearn {N(_runs["fedilearn"][^1].Load.AcceptedPerSecond)}/s accepted, {N(_runs["fedilearn"][^1].ProcessedPerSecond)}/s processed; " +
                 $"bare {N(_runs["bare"][^1].ProcessedPerSecond)}/s; Fedify {N(_runs["fedify"][^1].ProcessedPerSecond)}/s; load avg {LoadAverage()}");
        }

        var fedifyCreated = await fedify.CreatedAsync(api, ct);
        Console.WriteLine();
        var pass = PrintResults(controlsPass, pid, idleStart, idle, fedifyCreated, state, groupId, peers, fetchesAfterWarmup);
        var keyFetchesOk = keyFetches.PerKey == 1 && keyFetches.Accepted == keyFetches.Sent;
        Target("key fetches per new keyId", $"{N(keyFetches.PerKey, "0.00")} fetches", keyFetches.PerKey, "1 fetch", "exactly 1", keyFetchesOk);
        Detail($"{FirstContactKeys} new senders, {FirstContactPerKey} signed replies each sent at once ({keyFetches.Sent} in all, {keyFetches.Accepted} accepted), their actor documents answered after {FirstContactDelay.TotalMilliseconds:0} ms; FediLearn fetched them {keyFetches.Fetches} times");
        pass &= keyFetchesOk;
        ServerLog(node);
        return pass;
    }

    private async Task<InboxRun> FediLearnPassAsync(SignedLoad load, HttpRequestMessage[] requests, NodeInboxState state, long groupId, NodeProcess node, int pid, CancellationToken ct)
    {
        var before = state.Read(groupId);
        if (before.Open != 0) throw new InvalidOperationException($"inbox queue not empty before a pass: {before}");
        var writer0 = await NodeCounters.ReadAsync(node, MetricsToken, ct);
        var cpu0 = ProcessStats.CpuTime(pid);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var peakRss = 0.0;
        var sampler = Task.Run(async () =>
        {
            for (var i = 0; i < 100_000 && !sampling.IsCancellationRequested; i++)
            {
                peakRss = Math.Max(peakRss, ProcessStats.ResidentMb(pid) ?? 0);
                await Task.Delay(25, sampling.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, CancellationToken.None);
        var result = await load.RunAsync(requests, Concurrency, options.RunTimeout, ct);
        if (result.Accepted != result.Sent) throw new InvalidOperationException($"FediLearn accepted {result.Accepted} of {result.Sent} ({Statuses(result)})\n{Tail(node.Output)}");
        // Processed: every accepted reply stored in the group with its Announce queued, and the inbox queue drained.
        await WaitProcessedAsync(state, groupId, before.Relayed + result.Accepted, node, ct);
        var processed = Stopwatch.GetElapsedTime(result.StartTicks).TotalSeconds;
        var cpu = ProcessStats.CpuTime(pid) - cpu0;
        await sampling.CancelAsync();
        await sampler;
        var writer = (await NodeCounters.ReadAsync(node, MetricsToken, ct)) - writer0;
        return new InboxRun("fedilearn", result, processed, peakRss, cpu, writer);
    }

    private static long ExpectedRelayed(NodeInboxState state, long groupId) => state.Read(groupId).Replies;

    private const int FirstContactKeys = 8;
    private const int FirstContactPerKey = 16;
    private static readonly TimeSpan FirstContactDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Concurrent first contact (performance.md, "Key fetches"): senders FediLearn has never seen, each sending
    /// <see cref="FirstContactPerKey"/> replies at the same moment, while their server takes <see cref="FirstContactDelay"/>
    /// to answer for the actor document. The requests waiting for one keyId should share one fetch.
    /// </summary>
    private async Task<(double PerKey, int Fetches, int Sent, int Accepted)> FirstContactAsync(
        InboxPeers peers, SignedLoad load, string inbox, string post, string groupActor, CancellationToken ct)
    {
        var fresh = peers.CreateSenders(FirstContactKeys, firstIndex: _senders, answerDelay: FirstContactDelay);
        var before = peers.Fetches.GetValueOrDefault("fedilearn");
        var requests = SignedLoad.PreSign(fresh, inbox, FirstContactKeys * FirstContactPerKey, post, groupActor, "first-contact");
        var run = await load.RunAsync(requests, FirstContactKeys * FirstContactPerKey, options.RunTimeout, ct);
        var fetches = peers.Fetches.GetValueOrDefault("fedilearn") - before;
        return (fetches / (double)FirstContactKeys, fetches, run.Sent, run.Accepted);
    }

    private async Task WaitProcessedAsync(NodeInboxState state, long groupId, long relayed, NodeProcess node, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.RunTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var s = state.Read(groupId);
            if (s.Open == 0 && s.Relayed >= relayed) return;
            if (s.Open == 0 && s.Failed > 0 && s.Relayed < relayed)
                throw new InvalidOperationException($"inbox drained but only {s.Relayed} of {relayed} replies relayed ({s.Failed} failed items)\n{Tail(node.Output)}");
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"inbox not processed within {options.RunTimeout}: {s}\n{Tail(node.Output)}");
            await Task.Delay(5, ct);
        }
    }

    private bool PrintResults(bool controlsPass, int pid, double idleStart, double idle, int fedifyCreated, NodeInboxState state, long groupId,
        InboxPeers peers, Dictionary<string, int> fetchesAfterWarmup)
    {
        var one = Stat.Of(_rsa.Select(r => r.One));
        var all = Stat.Of(_rsa.Select(r => r.All));
        var f = _runs["fedilearn"];
        var b = _runs["bare"];
        var y = _runs["fedify"];
        var processed = Stat.Of(f.Select(r => r.ProcessedPerSecond));
        var accepted = Stat.Of(f.Select(r => r.Load.AcceptedPerSecond));
        var bare = Stat.Of(b.Select(r => r.ProcessedPerSecond));
        var fed = Stat.Of(y.Select(r => r.ProcessedPerSecond));
        // Ratios paired within a round (the same minutes of this noisy machine), then the median.
        var vsFedify = Stat.Of(f.Zip(y, (x, z) => x.ProcessedPerSecond / z.ProcessedPerSecond));
        var vsBare = Stat.Of(f.Zip(b, (x, z) => x.ProcessedPerSecond / z.ProcessedPerSecond));
        var acceptedVsFedify = Stat.Of(f.Zip(y, (x, z) => x.Load.AcceptedPerSecond / z.ProcessedPerSecond));
        var acceptedVsBare = Stat.Of(f.Zip(b, (x, z) => x.Load.AcceptedPerSecond / z.ProcessedPerSecond));
        var p99 = Stat.Of(f.Select(r => r.Load.Percentile(0.99)));
        var p50 = Stat.Of(f.Select(r => r.Load.Percentile(0.50)));

        Info($"rsa-2048-verify one core: {N(one.Median)} verifications/s ({one.Format()}); all {Environment.ProcessorCount} cores: {N(all.Median)}/s ({all.Format()})");
        Info($"inbox ÷ RSA verify: FediLearn processed {N(processed.Median / one.Median, "0.000")} of one core's verifications/s ({N(processed.Median / all.Median, "0.000")} of all cores); bare inbox {N(bare.Median / one.Median, "0.00")} / {N(bare.Median / all.Median, "0.00")}; Fedify {N(fed.Median / one.Median, "0.000")} / {N(fed.Median / all.Median, "0.000")}");
        var okFedify = controlsPass && vsFedify.Median >= 5;
        var okBare = controlsPass && vsBare.Median >= 0.25;
        var okP99 = controlsPass && p99.Median <= 50;
        Target("inbox vs fedify", $"{N(processed.Median)} activities/s accepted and processed", vsFedify.Median, $"fedify {N(fed.Median)}/s", "≥ 5", okFedify);
        Detail($"ratio {vsFedify.Format("0.00")}; FediLearn processed/s {processed.Format()}; Fedify accepted/s {fed.Format()}");
        Target("inbox vs bare verifying inbox", $"{N(processed.Median)} activities/s accepted and processed", vsBare.Median, $"bare verifying inbox {N(bare.Median)}/s", "≥ 0.25", okBare);
        Detail($"ratio {vsBare.Format("0.00")}; bare inbox accepted/s {bare.Format()}");
        Info($"inbox accepted (202 only, processing may still run): FediLearn {N(accepted.Median)} activities/s ({accepted.Format()}); {N(acceptedVsFedify.Median, "0.00")} of fedify, {N(acceptedVsBare.Median, "0.00")} of bare");
        Target("inbox p99", $"{N(p99.Median, "0.0")} ms", p99.Median / 50, "50 ms", "≤ 50 ms", okP99);
        Detail($"FediLearn POST latency p50 {p50.Format("0.0")} ms, p99 {p99.Format("0.0")} ms; bare p50/p99 {N(Stat.Of(b.Select(r => r.Load.Percentile(0.5))).Median, "0.0")}/{N(Stat.Of(b.Select(r => r.Load.Percentile(0.99))).Median, "0.0")} ms; Fedify p50/p99 {N(Stat.Of(y.Select(r => r.Load.Percentile(0.5))).Median, "0.0")}/{N(Stat.Of(y.Select(r => r.Load.Percentile(0.99))).Median, "0.0")} ms ({Concurrency} concurrent senders)");
        Detail($"FediLearn: 202s answered in {N(Stat.Of(f.Select(r => r.Load.Seconds * 1000)).Median)} ms, all processed after {N(Stat.Of(f.Select(r => r.ProcessedSeconds * 1000)).Median)} ms ({N(_perPass)} activities per pass); server CPU per activity {N(Stat.Of(f.Select(r => r.ServerCpu.TotalMilliseconds * 1000 / r.Load.Accepted)).Median)} µs; one RSA verify {N(1e6 / one.Median)} µs");
        var w = f.Where(r => r.Writer is not null).ToList();
        if (w.Count > 0)
        {
            var busy = Stat.Of(w.Select(r => 100 * r.Writer!.HeldSeconds / r.ProcessedSeconds));
            Detail($"SQLite's one writer (the node's write gate, from /metrics): held {N(busy.Median)} % of a pass (min {N(busy.Min)}, max {N(busy.Max)}), " +
                   $"{N(Stat.Of(w.Select(r => r.Writer!.HeldSeconds * 1e6 / r.Load.Accepted)).Median)} µs per activity in {N(Stat.Of(w.Select(r => r.Writer!.Writes / (double)r.Load.Accepted)).Median, "0.00")} writes; " +
                   $"writers waited {N(Stat.Of(w.Select(r => r.Writer!.WaitedSeconds * 1e6 / r.Writer.Writes)).Median)} µs per write on average");
            Detail($"the node's garbage collector (from /metrics): {N(Stat.Of(w.Select(r => r.Writer!.AllocatedBytes / 1024.0 / r.Load.Accepted)).Median)} KB allocated per activity; " +
                   $"{N(Stat.Of(w.Select(r => (double)(r.Writer!.Gen0 + r.Writer.Gen1 + r.Writer.Gen2))).Median)} collections a pass " +
                   $"(gen0 {N(Stat.Of(w.Select(r => (double)r.Writer!.Gen0)).Median)}, gen1 {N(Stat.Of(w.Select(r => (double)r.Writer!.Gen1)).Median)}, gen2 {N(Stat.Of(w.Select(r => (double)r.Writer!.Gen2)).Median)}, medians), " +
                   $"paused {N(Stat.Of(w.Select(r => 100 * r.Writer!.PauseSeconds / r.ProcessedSeconds)).Median, "0.0")} % of a pass");
        }
        var s = state.Read(groupId);
        Detail($"outcome: FediLearn stored {N(s.Replies)} replies, {N(s.Relayed)} with their Announce queued, {N(s.Failed)} failed inbox items; Fedify's Create listener ran {N(fedifyCreated)} times; bare inbox accepted {N(peers.BareAccepted)}; " +
               $"actor fetches after warm-up: {string.Join(", ", fetchesAfterWarmup.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}, at the end: {string.Join(", ", peers.Fetches.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}");
        var peak = Math.Max(ProcessStats.ResidentMb(pid, "VmHWM") ?? double.NaN, f.Max(r => r.PeakRssMb));
        Info($"memory idle (FediLearn server): {N(idleStart)} MB RSS just started, {N(idle)} MB after warm-up (the 150 MB idle target is the fan-out benchmark's line)");
        Target("memory under inbox load", $"{N(peak)} MB peak RSS", peak / 400, "400 MB", "≤ 400 MB", peak <= 400);
        if (!controlsPass) Info("a negative control failed: the figures above do not count");
        return controlsPass && okFedify && okBare && okP99 && peak <= 400;
    }

    private static string Label(string name) => name switch { "fedilearn" => "FediLearn", "bare" => "bare verifying inbox", _ => "Fedify" };

    private static string Statuses(InboxLoadResult r) => string.Join(", ", r.Others.Select(kv => $"{kv.Value}× {kv.Key}"));

    private static string Trim(string s) => s.Length > 200 ? s[..200] : s;

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    private static async Task<CliResult> MustAsync(Task<CliResult> cli)
    {
        var result = await cli;
        if (result.ExitCode != 0) throw new InvalidOperationException($"CLI failed ({result.ExitCode}): {result.StdErr}{result.StdOut}");
        return result;
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));
}

/// <summary>
/// The node's counters on /metrics: how many writes took SQLite's one writer, how long they held it and how long they
/// queued for it (<c>fedilearn_sqlite_*_total</c>), and what its garbage collector did (<c>dotnet_gc_*_total</c>: bytes
/// allocated, pause time, collections by generation). A pass's figures are the difference of two readings.
/// </summary>
public sealed record NodeCounters(long Writes, double HeldSeconds, double WaitedSeconds, double AllocatedBytes, double PauseSeconds, long Gen0, long Gen1, long Gen2)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<NodeCounters> ReadAsync(NodeProcess node, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseUrl, "metrics"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/metrics answered {(int)response.StatusCode}: {text}");
        double Sample(string name) =>
            System.Text.RegularExpressions.Regex.Match(text, $@"^{System.Text.RegularExpressions.Regex.Escape(name)} ([0-9.eE+-]+)$", System.Text.RegularExpressions.RegexOptions.Multiline) is { Success: true } m
                ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"/metrics has no {name} (is the node on SQLite?)");
        long Collections(int generation) => (long)Sample($"dotnet_gc_collections_total{{gc_heap_generation=\"gen{generation}\"}}");
        return new NodeCounters((long)Sample("fedilearn_sqlite_writes_total"), Sample("fedilearn_sqlite_writer_held_seconds_total"),
            Sample("fedilearn_sqlite_writer_waited_seconds_total"), Sample("dotnet_gc_heap_total_allocated_bytes_total"),
            Sample("dotnet_gc_pause_time_seconds_total"), Collections(0), Collections(1), Collections(2));
    }

    public static NodeCounters operator -(NodeCounters a, NodeCounters b) =>
        new(a.Writes - b.Writes, a.HeldSeconds - b.HeldSeconds, a.WaitedSeconds - b.WaitedSeconds, a.AllocatedBytes - b.AllocatedBytes,
            a.PauseSeconds - b.PauseSeconds, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2);
}
