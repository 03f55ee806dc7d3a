using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.Benchmarks;
using static FediLearn.Benchmarks.Report;

// FediLearn benchmarks (docs/performance.md). Everything runs on 127.0.0.1, bounded in count and time.
const string Usage = """
    usage: dotnet run -c Release --project tests/FediLearn.Benchmarks -- <target> [--quick]
      fanout     one post to 1,000 followers on 100 and on 1,000 inboxes (and 10,000 on 1,000 without --quick), by a real
                 FediLearn process, vs a bare signed-POST client and RSA-2048 signatures/s measured in the same run
                 and, last in each round, 1,000 inboxes of which 10 % answer after 2 s and 5 % refuse connections (healthy
                 deliveries/s vs the same round's all-healthy 1,000 / 1,000)
      inbox      signed Create{Note} replies from 32 concurrent senders to a real FediLearn process (accepted, stored, relayed),
                 vs a bare verifying .NET inbox, @fedify/fedify 2.3.6 on the same load, and RSA-2048 verifications/s
      reads      GETs/s of WebFinger, actor JSON, object JSON, outbox and followers pages and the group HTML page of a
                 real FediLearn process, 64 connections, vs a bare ASP.NET Core endpoint (separate process) returning the
                 same bytes; p99; the node's resident memory idle and under that load
      storage    database growth (db + WAL after a checkpoint) per 10,000 signed Create{Note} replies received through
                 the real inbox, stored and relayed as an Announce (500 replies, extrapolated, with --quick)
      start      process start to first 200 on a node with 100 groups and 100,000 replies (seeded in SQLite)
      baselines  RSA-2048 signatures/s (one core, all cores) and the bare signed-POST client alone
      all        fanout, inbox, reads, storage, and start (not with --quick)
      --quick    fewer rounds, shorter loads, no 10,000-follower case, no start; `all --quick` stays under 5 minutes
    """;

// The bare reference endpoint of `reads` runs in its own process (this program, started again with this hidden verb),
// so that it does not share the load generator's process, thread pool and GC.
if (args.Length == 2 && args[0] == BareReadServer.Verb) return await BareReadServer.RunAsync(args[1]);

var quick = args.Contains("--quick");
var targets = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
if (targets.Length != 1 || targets[0] is not ("fanout" or "inbox" or "reads" or "storage" or "start" or "baselines" or "all") || args.Any(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--quick"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}
FediLearn.Testing.NodeProcess.FailOnQueryWarnings = false; // each benchmark prints the node's warnings (Report.ServerLog) instead

var options = new BenchOptions(
    Quick: quick,
    Runs: quick ? 3 : 5,
    SinkPorts: 8,
    RunTimeout: TimeSpan.FromSeconds(quick ? 60 : 180),
    RsaDuration: TimeSpan.FromMilliseconds(quick ? 300 : 1000));
using var total = new CancellationTokenSource(quick ? TimeSpan.FromMinutes(4.5) : TimeSpan.FromMinutes(25));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; total.Cancel(); };

#if DEBUG
Info("WARNING: this is a Debug build; the FediLearn server it starts is Debug too. Use -c Release.");
#endif
Info($"FediLearn benchmarks: {targets[0]}{(quick ? " --quick" : "")}, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
var clock = Stopwatch.StartNew();
try
{
    // `all` runs a list of targets, each with its own FediLearn node, one after the other.
    var all = new List<(string Name, Func<CancellationToken, Task<bool>> Run)>
    {
        ("fanout", new FanoutBenchmark(options).RunAsync),
        ("inbox", new InboxBenchmark(options).RunAsync),
        ("reads", new ReadsBenchmark(options).RunAsync),
        ("storage", new StorageBenchmark(options).RunAsync),
    };
    if (!quick) all.Add(("start", new StartBenchmark(options).RunAsync));
    var pass = targets[0] switch
    {
        "baselines" => await BaselinesAsync(options, total.Token),
        "all" => await RunAllAsync(all, total.Token),
        "start" => await new StartBenchmark(options).RunAsync(total.Token),
        var name => await all.Single(t => t.Name == name).Run(total.Token),
    };
    Info($"finished in {N(clock.Elapsed.TotalSeconds, "0")} s: {(pass ? "all targets PASS" : "some targets MISS")}");
    return 0; // a MISS is a finding, not a crash: the lines above say which
}
catch (OperationCanceledException) when (total.IsCancellationRequested)
{
    Console.Error.WriteLine($"stopped after {N(clock.Elapsed.TotalSeconds, "0")} s: time limit reached");
    return 3;
}

static async Task<bool> RunAllAsync(List<(string Name, Func<CancellationToken, Task<bool>> Run)> targets, CancellationToken ct)
{
    var pass = true;
    foreach (var (name, run) in targets)
    {
        var watch = Stopwatch.StartNew();
        Info($"--- {name} ---");
        try
        {
            pass &= await run(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // One target that cannot run (e.g. a node that did not start on an overloaded box) does not stop the others.
            Info($"{name}: ERROR {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            pass = false;
        }
        Info($"--- {name}: {N(watch.Elapsed.TotalSeconds, "0")} s ---");
        Console.WriteLine();
    }
    return pass;
}

static async Task<bool> BaselinesAsync(BenchOptions options, CancellationToken ct)
{
    await using var sinks = await SinkServer.StartAsync(options.SinkPorts);
    var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
    using var key = SigningKey.FromPem("http://127.0.0.1:1/actor#main-key", privatePem);
    sinks.AddKey(key.KeyId, VerificationKey.FromPem(publicPem));
    using var client = new BareClient();
    var inboxes = Enumerable.Range(0, 1_000).Select(n => $"http://127.0.0.1:{sinks.Ports[n % sinks.Ports.Count]}/bare/inbox/{n}").ToList();
    var body = Encoding.UTF8.GetBytes("""{"@context":"https://www.w3.org/ns/activitystreams","id":"http://127.0.0.1:1/activities/1","type":"Create","actor":"http://127.0.0.1:1/actor","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"id":"http://127.0.0.1:1/notes/1","type":"Note","content":"<p>hello</p>"}}""");
    await client.RunAsync(sinks, inboxes, body, key, 16, options.RunTimeout, ct); // warm-up
    var one = new List<double>();
    var all = new List<double>();
    var bare = new List<double>();
    for (var round = 0; round < options.Runs; round++)
    {
        one.Add(RsaBaseline.SignaturesPerSecond(privatePem, 1, options.RsaDuration));
        all.Add(RsaBaseline.SignaturesPerSecond(privatePem, Environment.ProcessorCount, options.RsaDuration));
        bare.Add((await client.RunAsync(sinks, inboxes, body, key, 16, options.RunTimeout, ct)).PerSecond);
    }
    var o = Stat.Of(one);
    var a = Stat.Of(all);
    var b = Stat.Of(bare);
    Info($"baseline rsa-2048-sign one core: {N(o.Median)} signatures/s ({o.Format()})");
    Info($"baseline rsa-2048-sign all {Environment.ProcessorCount} cores: {N(a.Median)} signatures/s ({a.Format()})");
    Info($"baseline bare-signed-post-client 1,000 inboxes: {N(b.Median)} deliveries/s ({b.Format()}; 16 concurrent; {N(b.Median / o.Median, "0.00")} of one core's RSA signatures/s)");
    return true;
}
