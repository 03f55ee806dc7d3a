using System.Diagnostics;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6, item 4: a slow server cannot starve deliveries to others (Delivery:PerHostConcurrency); and issue 7's "fan-out
/// with slow peers": several slow servers together cannot either.
/// </summary>
public sealed class PerHostDeliveryTests
{
    [Fact]
    public async Task A_slow_server_holds_at_most_its_share_of_the_sending_slots_and_a_healthy_one_is_not_kept_waiting()
    {
        await using var a = await PublishingNode.StartAsync("per-host", new Dictionary<string, string>
        {
            ["FediLearn:Delivery:Concurrency"] = "4",
            ["FediLearn:Delivery:PerHostConcurrency"] = "2",
        });
        await using var slow = await FakeRemoteServer.StartAsync();
        await using var fast = await FakeRemoteServer.StartAsync();
        foreach (var peer in new[] { slow, fast })
        {
            (await peer.SendAsync($"{a.Group}/inbox", peer.Follow(a.Group))).Dispose();
            await peer.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        }
        slow.InboxDelay = TimeSpan.FromSeconds(8);

        var posts = new List<string>();
        for (var i = 1; i <= 6; i++)
            posts.Add((await a.PublishAsync("posts", new { content = $"Week {i}" })).Value<string>("id")!);
        static bool CreateOf(ReceivedRequest r, string id) => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == id;

        foreach (var id in posts) await fast.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(30));
        var slowSoFar = slow.Received.Count(r => r.Activity.Value<string>("type") == "Create");
        Assert.True(slowSoFar < posts.Count, $"the healthy server got all {posts.Count} posts while the slow one was still at {slowSoFar}");

        foreach (var id in posts) await slow.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(120));
        Assert.Equal(2, slow.MaxConcurrentInbox); // never more than its share, though 4 slots were there
        Assert.Equal(posts.Count, slow.Received.Count(r => r.Activity.Value<string>("type") == "Create")); // each once: waiting cost no retry
        var list = (await a.Node.CliAsync("deliveries", "list").MustAsync()).StdOut;
        Assert.Contains(" 0 failed,", list); // the summary line: nothing failed on the way
    }

    /// <summary>
    /// Three slow servers may hold two slots each, more than the four there are. Until the delivery worker moved requests
    /// that stay unanswered out of their slots (SlowRequests), they took all four between them and the healthy server's
    /// posts waited six seconds for them. Each slow server still never gets more than its two at once, and every post once.
    /// </summary>
    [Fact]
    public async Task Several_slow_servers_together_do_not_keep_a_healthy_one_waiting()
    {
        await using var a = await PublishingNode.StartAsync("slow-many", new Dictionary<string, string>
        {
            ["FediLearn:Delivery:Concurrency"] = "4",
            ["FediLearn:Delivery:PerHostConcurrency"] = "2",
        });
        var slow = new List<FakeRemoteServer>();
        try
        {
            for (var i = 0; i < 4; i++) slow.Add(await FakeRemoteServer.StartAsync());
            slow = InJobOrder(slow);
            await using var fast = slow[^1]; // its job comes last in every post's batch
            slow.RemoveAt(slow.Count - 1);
            foreach (var peer in slow.Append(fast))
            {
                (await peer.SendAsync($"{a.Group}/inbox", peer.Follow(a.Group))).Dispose();
                await peer.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
            }
            foreach (var peer in slow) peer.InboxDelay = TimeSpan.FromSeconds(6);

            var clock = Stopwatch.StartNew();
            var posts = new List<string>();
            for (var i = 1; i <= 4; i++)
                posts.Add((await a.PublishAsync("posts", new { content = $"Week {i}" })).Value<string>("id")!);
            static bool CreateOf(ReceivedRequest r, string id) => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == id;

            foreach (var id in posts) await fast.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(30));
            var healthy = clock.Elapsed;
            Assert.True(healthy < TimeSpan.FromSeconds(4), $"the healthy server got its {posts.Count} posts after {healthy.TotalSeconds:0.0} s: it waited for the slow ones");

            foreach (var peer in slow)
                foreach (var id in posts)
                    await peer.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(120));
            foreach (var peer in slow)
            {
                Assert.InRange(peer.MaxConcurrentInbox, 1, 2); // never more than its share, though its requests left their slots
                Assert.Equal(posts.Count, peer.Received.Count(r => r.Activity.Value<string>("type") == "Create")); // each once
            }
            var list = (await a.Node.CliAsync("deliveries", "list").MustAsync()).StdOut;
            Assert.Contains(" 0 failed,", list);
        }
        finally
        {
            foreach (var peer in slow) await peer.DisposeAsync();
        }
    }

    /// <summary>
    /// A server that answered slowly is remembered (SlowHosts): its next request leaves the only sending slot at once
    /// instead of holding it for the slow bar (250 ms until enough answers are in), so the healthy server behind it is
    /// not kept waiting a second time. A fast answer forgets it, and then it is found out again the usual way.
    /// <para>
    /// The times are taken where the two servers receive a post, in this process, and on a loaded machine (CI runs the
    /// browser tests beside these) a receipt was once stamped 240 ms late and once 750 ms late, for reasons outside the
    /// slot. So the scenario gets up to three tries, each on a fresh node, and passes when one try shows every timing
    /// right. Without SlowHosts every try fails (the slot is held for the bar each time), as it does when a fast answer
    /// does not forget the server (the last post is not held at all).
    /// </para>
    /// </summary>
    [Fact]
    public async Task A_server_that_answered_slowly_does_not_hold_the_sending_slot_again_until_it_answers_fast()
    {
        var tries = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var wrong = await SlowServerRememberedAsync($"slow-known-{i}");
            if (wrong is null) return;
            tries.Add($"try {i}: {wrong}");
        }
        Assert.Fail(string.Join("\n", tries));
    }

    /// <summary>One try of the scenario above: null when every timing was right, else what was not.</summary>
    private static async Task<string?> SlowServerRememberedAsync(string name)
    {
        await using var a = await PublishingNode.StartAsync(name, new Dictionary<string, string>
        {
            ["FediLearn:Delivery:Concurrency"] = "1",
            ["FediLearn:Delivery:PerHostConcurrency"] = "1",
        });
        await using var one = await FakeRemoteServer.StartAsync();
        await using var two = await FakeRemoteServer.StartAsync();
        var (slow, fast) = InJobOrder([one, two]) is [var served1st, var served2nd] ? (served1st, served2nd) : throw new InvalidOperationException();
        foreach (var peer in new[] { slow, fast }) // the healthy server's job comes after the slow one's
        {
            (await peer.SendAsync($"{a.Group}/inbox", peer.Follow(a.Group))).Dispose();
            await peer.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        }
        static bool CreateOf(ReceivedRequest r, string id) => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == id;

        // How long the healthy server's copy of a post came after the slow server's: the time the slot was held.
        async Task<TimeSpan> HeldAsync(string content)
        {
            var id = (await a.PublishAsync("posts", new { content })).Value<string>("id")!;
            var atSlow = await slow.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(30));
            var atFast = await fast.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(30));
            await Task.Delay(slow.InboxDelay + TimeSpan.FromMilliseconds(500)); // answered, and its host slot free again
            return atFast.At - atSlow.At;
        }

        slow.InboxDelay = TimeSpan.FromSeconds(1.5);
        var first = await HeldAsync("Week 1");
        var known = await HeldAsync("Week 2");
        slow.InboxDelay = TimeSpan.Zero;
        await HeldAsync("Week 3"); // answered at once: forgotten
        slow.InboxDelay = TimeSpan.FromSeconds(1.5);
        var again = await HeldAsync("Week 4");

        // These do not depend on timing: they fail the test at once.
        Assert.Equal(4, slow.Received.Count(r => r.Activity.Value<string>("type") == "Create")); // each once
        var list = (await a.Node.CliAsync("deliveries", "list").MustAsync()).StdOut;
        Assert.Contains(" 0 failed,", list);

        var wrong = new List<string>();
        if (first < TimeSpan.FromMilliseconds(200)) wrong.Add($"first contact: the slot was held {first.TotalMilliseconds:0} ms, not the bar's 250 ms");
        if (known >= TimeSpan.FromMilliseconds(200)) wrong.Add($"a known slow server held the slot {known.TotalMilliseconds:0} ms again");
        if (again < TimeSpan.FromMilliseconds(200)) wrong.Add($"after a fast answer the server was still taken for slow: the slot was held {again.TotalMilliseconds:0} ms");
        return wrong.Count == 0 ? null : string.Join("; ", wrong);
    }

    /// <summary>
    /// A server that is slow once and then answers promptly is taken for fast again at its first prompt answer, even
    /// while its slow request is still out. Until 2026-12-07 a host with any request on the side lane had its next ones
    /// sent there at once, whatever its answers since, so with steady traffic a server that was slow once could stay on
    /// the side lane (and take its room there from slower ones). Counted by <c>fedilearn_delivery_requests_set_aside_total</c>:
    /// Week 1 goes aside and is held unanswered until the end. The next post goes aside at once (the server is remembered
    /// as slow) and its prompt answer forgets the server. A post sent after that keeps its slot. On a loaded machine a
    /// prompt server's answer can still come past the slow bar (250 ms here): that marks the server again (more posts are
    /// sent until one is answered within the bar), and a post whose own answer is that late goes aside the usual way, so
    /// up to three posts are tried. With the old rule every one of them goes aside at once.
    /// </summary>
    [Fact]
    public async Task A_server_that_answers_promptly_again_leaves_the_side_lane_while_its_slow_request_is_still_out()
    {
        await using var a = await PublishingNode.StartAsync("slow-then-fast", new Dictionary<string, string>
        {
            ["FediLearn:Delivery:Concurrency"] = "1",
            ["FediLearn:Delivery:PerHostConcurrency"] = "2",
            ["FediLearn:Federation:RequestTimeout"] = "00:03:00", // Week 1 stays out until the test answers it
            ["FediLearn:Metrics:Token"] = MetricsToken,
        });
        await using var peer = await FakeRemoteServer.StartAsync();
        (await peer.SendAsync($"{a.Group}/inbox", peer.Follow(a.Group))).Dispose();
        await peer.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        async Task<(double SetAside, double SlowHosts)> MetricsNowAsync()
        {
            var m = await MetricsAsync(a.Node);
            return (m["fedilearn_delivery_requests_set_aside_total"], m["fedilearn_delivery_slow_hosts"]);
        }
        var weeks = 0;
        async Task PublishAsync()
        {
            var id = (await a.PublishAsync("posts", new { content = $"Week {++weeks}" })).Value<string>("id")!;
            await peer.WaitForAsync(r => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == id, TimeSpan.FromSeconds(30));
        }

        var start = await MetricsNowAsync(); // the Accept may have gone aside already on a loaded machine
        peer.InboxDelay = TimeSpan.FromMinutes(2); // read when a post arrives: Week 1's answer only, until AnswerDelayedNow
        try
        {
            await ScenarioAsync();
        }
        finally
        {
            peer.AnswerDelayedNow(); // a failed try does not leave the server holding Week 1 while it stops
        }
        await EventuallyAsync(async () => peer.Received.Count(r => r.Activity.Value<string>("type") == "Create") == weeks &&
                                          (await a.Node.CliAsync("deliveries", "list").MustAsync()).StdOut.Contains(" 0 failed,"), "every week delivered once", a.Node);

        async Task ScenarioAsync()
        {
            await PublishAsync();
            await EventuallyAsync(async () => await MetricsNowAsync() is var m && m.SetAside > start.SetAside && m.SlowHosts == 1,
                "Week 1 moved aside, its server remembered as slow", a.Node);
            peer.InboxDelay = TimeSpan.Zero; // only now: Week 1's request has read its delay long since

            var tries = new List<string>();
            while (tries.Count < 3)
            {
                // Until an answer within the bar has forgotten the server, its posts go aside at once.
                for (var i = 0; i < 8 && (await MetricsNowAsync()).SlowHosts > 0; i++)
                {
                    await PublishAsync();
                    await Task.Delay(300); // its answer recorded
                }
                var before = await MetricsNowAsync();
                Assert.True(before.SlowHosts == 0, $"eight prompt answers did not make the server fast again: {before}");
                await PublishAsync();
                await Task.Delay(300); // its answer recorded, and counted had it gone aside
                var after = await MetricsNowAsync();
                if (after.SetAside == before.SetAside) break;
                tries.Add($"Week {weeks} went to the side lane ({before.SetAside} → {after.SetAside} set aside) although its server had answered promptly");
            }
            Assert.True(tries.Count < 3, string.Join("\n", tries));
        }
    }

    /// <summary>
    /// The servers in the order a post's jobs to them are numbered (DeliveryQueue: one per host in turn, hosts ordered by
    /// host:port, ordinal), which is the order one sending slot takes them in. The order they followed in does not count,
    /// and their ports are the system's choice, so a test that needs one server served first picks it from here.
    /// </summary>
    private static List<FakeRemoteServer> InJobOrder(IEnumerable<FakeRemoteServer> servers) =>
        servers.OrderBy(s => new Uri(s.Origin).Authority, StringComparer.Ordinal).ToList();
}
