using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 6, item 4: a slow server cannot starve deliveries to others (Delivery:PerHostConcurrency).</summary>
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
}
