using System.Diagnostics;
using Xunit.Abstractions;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.FaultHelpers;

namespace FediLearn.Web.Tests;

/// <summary>One node with short outbound timeouts, and a healthy remote server following its group.</summary>
public sealed class FaultNodeFixture : IAsyncLifetime
{
    /// <summary>Federation:RequestTimeout of the node under test; Federation:ConnectTimeout is 1 s.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    internal PublishingNode Node { get; private set; } = null!;
    internal FakeRemoteServer Healthy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await PublishingNode.StartAsync("faults", new Dictionary<string, string>
        {
            ["FediLearn__Federation__RequestTimeout"] = RequestTimeout.ToString(),
            ["FediLearn__Federation__ConnectTimeout"] = "00:00:01",
        });
        Healthy = await FakeRemoteServer.StartAsync();
        using var follow = await Healthy.SendAsync($"{Node.Group}/inbox", Healthy.Follow(Node.Group));
        Assert.Equal(202, (int)follow.StatusCode);
        await Healthy.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        // One publication end to end first, so that the timed scenarios do not measure start-up (JIT, first connections).
        var warmUp = (await Node.PublishAsync("posts", new { content = "Warm-up" })).Value<string>("id");
        await Healthy.WaitForAsync(r => r.Activity["object"]?.Value<string>("id") == warmUp, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await Healthy.DisposeAsync();
        await Node.DisposeAsync();
    }
}

/// <summary>
/// Issue 6 item 5: remote servers that hang, drip, redirect forever, send 50 MB or 100 000 brackets, or hang up halfway
/// (a raw TcpListener each, <see cref="MisbehavingPeer"/>). Whatever they do, deliveries to them end within
/// Federation:RequestTimeout and are retried or recorded as failed, a healthy follower of the same group is served at
/// the same time, reads of the group keep their latency, and a signed activity whose key lives on them is a clean 401.
/// </summary>
public sealed class RemoteFaultTests(FaultNodeFixture fixture, ITestOutputHelper output) : IClassFixture<FaultNodeFixture>
{
    /// <summary>Room on a loaded two-core box for the node to notice the deadline and for the peer to see the hang-up.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan Bound = FaultNodeFixture.RequestTimeout + Slack;
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(1.5);

    public static TheoryData<Misbehaviour> Misbehaviours => new(Enum.GetValues<Misbehaviour>());

    private NodeProcess Node => fixture.Node.Node;

    [Theory, MemberData(nameof(Misbehaviours))]
    public async Task Delivery_to_a_misbehaving_peer_ends_within_the_timeout_and_is_retried_while_a_healthy_peer_and_readers_are_served(Misbehaviour mode)
    {
        await using var bad = MisbehavingPeer.Start(mode);
        using (var follow = await PostAsync($"{fixture.Node.Group}/inbox", Follow(bad.Actor).ToString(), $"{bad.Actor}#main-key", bad.PrivatePem))
            Assert.Equal(202, (int)follow.StatusCode);
        // The group's Accept is the first delivery to the bad inbox: once it is tried, the peer is a follower.
        await UntilAsync(() => bad.Exchanges.Any(e => e.Method == "POST"), TimeSpan.FromSeconds(20), () => "the Accept reaching the bad inbox");

        await using var reads = ReadProbe.Start(Node, "rust");
        var clock = Stopwatch.StartNew();
        var post = (await fixture.Node.PublishAsync("posts", new { content = $"While {mode} misbehaves" })).Value<string>("id")!;
        await fixture.Healthy.WaitForAsync(r => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == post, TimeSpan.FromSeconds(10));
        var healthyAfter = clock.Elapsed;

        // A 302 to a POST is a final answer (deliveries do not follow redirects); everything else is retried.
        var attempts = mode == Misbehaviour.EndlessRedirects ? 1 : 2;
        PeerExchange[] Creates() => bad.Exchanges.Where(e => e.Method == "POST" && e.ActivityType == "Create").ToArray();
        await UntilAsync(() => Creates().Count(e => e.End is not null) >= attempts, Bound * attempts + TimeSpan.FromSeconds(10),
            () => $"{attempts} finished attempts of the Create; the peer saw: {string.Join("; ", bad.Exchanges)}");
        var elapsed = clock.Elapsed;
        var served = await reads.StopAsync();

        output.WriteLine($"{mode}: healthy peer after {healthyAfter.TotalSeconds:0.00} s; bad peer saw {string.Join("; ", bad.Exchanges)}; slowest read {served.Max(r => r.Latency).TotalMilliseconds:0} ms of {served.Count}");
        Assert.True(healthyAfter < TimeSpan.FromSeconds(5), $"the healthy peer got the post after {healthyAfter.TotalSeconds:0.0} s");
        foreach (var attempt in Creates().Where(e => e.End is not null))
        {
            Assert.True(attempt.Duration < Bound, $"{mode}: one delivery attempt held the connection {attempt.Duration?.TotalSeconds:0.0} s (timeout {FaultNodeFixture.RequestTimeout.TotalSeconds} s)");
            Assert.True(attempt.BytesWritten < 16 * 1024 * 1024, $"{mode}: the node let the peer send {attempt.BytesWritten} bytes");
        }
        var job = Query(Node, "SELECT state, attempts, last_status, last_error FROM delivery_jobs WHERE inbox = $inbox ORDER BY id DESC LIMIT 1", ("$inbox", bad.Inbox)).Single();
        Assert.NotNull(job[3]); // the failure is on record, with its reason
        if (mode == Misbehaviour.EndlessRedirects)
        {
            Assert.Equal(3L, job[0]); // Failed
            Assert.Equal(302L, job[2]);
        }
        else Assert.Contains((long)job[0]!, new long[] { 0, 1 }); // Pending (waiting for its retry) or Running (being retried)
        ReadProbe.AssertServedNormally(served, ReadBound);
        Assert.Empty(BadLogLines(Node));
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"{mode}: the scenario took {elapsed.TotalSeconds:0.0} s");
    }

    [Theory, MemberData(nameof(Misbehaviours))]
    public async Task Signed_activity_whose_key_is_on_a_misbehaving_peer_is_a_clean_401_within_the_timeout(Misbehaviour mode)
    {
        await using var bad = MisbehavingPeer.Start(mode);
        await using var reads = ReadProbe.Start(Node, "rust");

        var clock = Stopwatch.StartNew();
        using var response = await PostAsync($"{fixture.Node.Group}/inbox", Follow(bad.BrokenActor).ToString(), $"{bad.BrokenActor}#main-key", bad.PrivatePem);
        var elapsed = clock.Elapsed;
        var body = await response.Content.ReadAsStringAsync();
        var served = await reads.StopAsync();

        output.WriteLine($"{mode}: {(int)response.StatusCode} after {elapsed.TotalSeconds:0.00} s; peer saw {string.Join("; ", bad.Exchanges)}; slowest read {served.Max(r => r.Latency).TotalMilliseconds:0} ms of {served.Count}");
        Assert.True(401 == (int)response.StatusCode, $"{mode}: {(int)response.StatusCode} {body}");
        Assert.NotNull(JObject.Parse(body)["error"]);
        Assert.True(elapsed < Bound, $"{mode}: the inbox answered after {elapsed.TotalSeconds:0.0} s (timeout {FaultNodeFixture.RequestTimeout.TotalSeconds} s)");
        var gets = bad.Exchanges.Where(e => e.Method == "GET").ToList();
        // Redirects: the first request and three hops, then the fetch is abandoned (security.md case 27). Otherwise one fetch.
        Assert.Equal(mode == Misbehaviour.EndlessRedirects ? 4 : 1, gets.Count);
        Assert.All(gets, g => Assert.True(g.BytesWritten < 16 * 1024 * 1024, $"{mode}: the peer sent {g.BytesWritten} bytes"));
        Assert.Empty(Query(Node, "SELECT id FROM remote_actors WHERE uri = $uri", ("$uri", bad.BrokenActor)));
        ReadProbe.AssertServedNormally(served, ReadBound);
        Assert.Empty(BadLogLines(Node));
    }

    [Fact]
    public async Task Six_misbehaving_followers_at_once_do_not_keep_a_healthy_follower_or_readers_waiting()
    {
        var peers = Enum.GetValues<Misbehaviour>().Select(MisbehavingPeer.Start).ToList();
        try
        {
            foreach (var bad in peers)
            {
                using var follow = await PostAsync($"{fixture.Node.Group}/inbox", Follow(bad.Actor).ToString(), $"{bad.Actor}#main-key", bad.PrivatePem);
                Assert.Equal(202, (int)follow.StatusCode);
            }
            await UntilAsync(() => peers.All(p => p.Exchanges.Any(e => e.Method == "POST")), TimeSpan.FromSeconds(20),
                () => "every bad peer getting its Accept: " + string.Join("; ", peers.Select(p => $"{p.Mode}: {p.Exchanges.Count}")));

            await using var reads = ReadProbe.Start(Node, "rust");
            var lags = new List<TimeSpan>();
            for (var i = 1; i <= 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var post = (await fixture.Node.PublishAsync("posts", new { content = $"Busy week {i}" })).Value<string>("id")!;
                await fixture.Healthy.WaitForAsync(r => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == post, TimeSpan.FromSeconds(10));
                lags.Add(clock.Elapsed);
            }
            // Let the hanging and dripping peers hold their connections to the end of the timeout at least once more.
            await Task.Delay(FaultNodeFixture.RequestTimeout + TimeSpan.FromSeconds(1));
            var served = await reads.StopAsync();

            output.WriteLine($"all at once: healthy lags {string.Join(", ", lags.Select(l => $"{l.TotalSeconds:0.00} s"))}; slowest read {served.Max(r => r.Latency).TotalMilliseconds:0} ms of {served.Count}; "
                + string.Join("; ", peers.Select(p => $"{p.Mode}: {p.Exchanges.Count(e => e.Method == "POST")} POSTs, longest {p.Exchanges.Max(e => e.Duration ?? TimeSpan.Zero).TotalSeconds:0.00} s")));
            Assert.All(lags, lag => Assert.True(lag < TimeSpan.FromSeconds(5), $"the healthy follower waited {lag.TotalSeconds:0.0} s for a post"));
            foreach (var bad in peers)
            {
                Assert.True(bad.Exchanges.Count(e => e.Method == "POST" && e.ActivityType == "Create") >= 1, $"{bad.Mode}: no Create was even tried");
                Assert.All(bad.Exchanges.Where(e => e.End is not null), e => Assert.True(e.Duration < Bound, $"{bad.Mode}: {e}"));
            }
            ReadProbe.AssertServedNormally(served, ReadBound);
            Assert.Empty(BadLogLines(Node));
        }
        finally
        {
            foreach (var bad in peers) await bad.DisposeAsync();
        }
    }

    [Fact]
    public async Task Replies_whose_parent_is_on_a_hanging_peer_hold_the_inbox_queue_no_longer_than_the_timeout_each()
    {
        // The inbox worker fetches an unseen parent before it files a reply (ThreadService). Five replies to parents on
        // a server that never answers: each fetch must end at the timeout, and an activity from another server queued
        // behind them is processed after at most five timeouts. (The queue is worked in order, one item at a time:
        // see docs/security.md, "not covered".)
        const int replies = 5;
        await using var bad = MisbehavingPeer.Start(Misbehaviour.Hang);
        for (var i = 1; i <= replies; i++)
        {
            var reply = new JObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams",
                ["id"] = $"{bad.Actor}/statuses/hol-{i}/activity",
                ["type"] = "Create",
                ["actor"] = bad.Actor,
                ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
                ["cc"] = new JArray(fixture.Node.Group),
                ["object"] = new JObject
                {
                    ["id"] = $"{bad.Actor}/statuses/hol-{i}",
                    ["type"] = "Note",
                    ["attributedTo"] = bad.Actor,
                    ["inReplyTo"] = $"{bad.Actor}/statuses/parent-{i}",
                    ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
                    ["content"] = "<p>an answer to something you never saw</p>", // no mention of the group: only the parent can tell
                },
            };
            using var response = await PostAsync($"{fixture.Node.Group}/inbox", reply.ToString(), $"{bad.Actor}#main-key", bad.PrivatePem);
            Assert.Equal(202, (int)response.StatusCode);
        }
        await UntilAsync(() => bad.Exchanges.Any(e => e.Path.Contains("/statuses/parent-")), TimeSpan.FromSeconds(10), () => "the first parent fetch; peer saw " + string.Join("; ", bad.Exchanges) + "\n" + Node.Output[^Math.Min(3000, Node.Output.Length)..]);

        var clock = Stopwatch.StartNew();
        var newcomer = fixture.Healthy.Follow(fixture.Node.Group, $"newcomer{Guid.NewGuid():N}"[..16]);
        using (var follow = await fixture.Healthy.SendAsync($"{fixture.Node.Group}/inbox", newcomer)) Assert.Equal(202, (int)follow.StatusCode);
        await fixture.Healthy.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept" && r.Activity["object"]?.Value<string>("id") == newcomer.Value<string>("id"), Bound * replies + TimeSpan.FromSeconds(10));
        var lag = clock.Elapsed;

        var fetches = bad.Exchanges.Where(e => e.Path.Contains("/statuses/parent-")).ToList();
        output.WriteLine($"follow answered after {lag.TotalSeconds:0.0} s behind {replies} replies; parent fetches: {string.Join("; ", fetches)}");
        Assert.True(lag < Bound * replies, $"the Follow queued behind {replies} hanging parent fetches was answered after {lag.TotalSeconds:0.0} s");
        Assert.All(fetches.Where(f => f.End is not null), f => Assert.True(f.Duration < Bound, $"a parent fetch held its connection {f.Duration?.TotalSeconds:0.0} s"));
        await UntilAsync(() => (long)Query(Node, "SELECT COUNT(*) FROM inbox_items WHERE activity_id LIKE $p AND state = 2", ("$p", $"{bad.Actor}/statuses/hol-%")).Single()[0]! == replies,
            Bound * replies, () => "the five replies to be processed (Done) without their parents");
        Assert.Empty(Query(Node, "SELECT uri FROM replies WHERE uri LIKE $p", ("$p", $"{bad.Actor}/statuses/hol-%")));
        Assert.Empty(BadLogLines(Node));
    }

    private JObject Follow(string actor) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = $"{actor}#follows/{Guid.NewGuid():N}",
        ["type"] = "Follow",
        ["actor"] = actor,
        ["object"] = fixture.Node.Group,
    };
}
