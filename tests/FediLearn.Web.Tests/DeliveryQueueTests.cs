using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>The durable delivery queue against a real remote inbox (issue 2, checks d and e; federation.md item 24).</summary>
public sealed class DeliveryQueueTests
{
    [Fact]
    public async Task A_remote_inbox_that_answers_500_then_202_gets_the_accept_after_a_retry()
    {
        await using var node = await NodeProcess.StartAsync("retry");
        await using var remote = await FakeRemoteServer.StartAsync();
        remote.InboxStatus = call => call == 1 ? 500 : 202;
        await node.CliAsync("groups", "add", "retry", "--title", "Retry").MustAsync();

        (await remote.SendAsync($"{node.Origin}/g/retry/inbox", remote.Follow($"{node.Origin}/g/retry"))).Dispose();

        var delivered = await remote.WaitForAsync(r => r.AnsweredWith == 202, TimeSpan.FromSeconds(30));
        var attempts = remote.Received.Where(r => r.Activity.Value<string>("id") == delivered.Activity.Value<string>("id")).ToList();
        Assert.Equal([500, 202], attempts.Select(r => r.AnsweredWith));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(500), "the retry came after a backoff");
        Assert.True(await VerifyFromNodeAsync(attempts[1], remote.Inbox), "the retry is freshly signed");
    }

    [Fact]
    public async Task A_remote_inbox_that_answers_410_is_not_retried_and_an_admin_can_retry_it()
    {
        await using var node = await NodeProcess.StartAsync("gone");
        await using var remote = await FakeRemoteServer.StartAsync();
        remote.InboxStatus = call => call == 1 ? 410 : 202;
        await node.CliAsync("groups", "add", "gone", "--title", "Gone").MustAsync();

        (await remote.SendAsync($"{node.Origin}/g/gone/inbox", remote.Follow($"{node.Origin}/g/gone"))).Dispose();
        await remote.WaitForAsync(r => r.AnsweredWith == 410, TimeSpan.FromSeconds(30));
        await Task.Delay(4000); // several retry periods of this node (1 s base)
        Assert.Single(remote.Received);

        var failed = await node.CliAsync("deliveries", "list", "--failed").MustAsync();
        Assert.Contains("failed", failed.StdOut);
        Assert.Contains("HTTP 410", failed.StdOut);
        var id = failed.StdOut.Split('\n').Skip(1).First().Trim().Split(' ')[0];

        await node.CliAsync("deliveries", "retry", id).MustAsync();
        await remote.WaitForAsync(r => r.AnsweredWith == 202, TimeSpan.FromSeconds(30));
        Assert.Equal(2, remote.Received.Count);
        var unknown = await node.CliAsync("deliveries", "retry", "999999");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no delivery with id 999999", unknown.StdErr);
    }

    [Fact]
    public async Task Deliveries_pending_when_the_node_is_killed_are_delivered_after_restart_and_only_in_flight_ones_twice()
    {
        await using var node = await NodeProcess.StartAsync("crash");
        await using var remote = await FakeRemoteServer.StartAsync();
        const int groups = 6;
        for (var i = 0; i < groups; i++) await node.CliAsync("groups", "add", $"c{i}", "--title", $"Cohort {i}").MustAsync();

        // While the remote inbox is down, every Accept is queued and retried; then the node dies mid-way.
        remote.InboxStatus = _ => 503;
        for (var i = 0; i < groups; i++)
            (await remote.SendAsync($"{node.Origin}/g/c{i}/inbox", remote.Follow($"{node.Origin}/g/c{i}"))).Dispose();
        await EventuallyAsync(() => Task.FromResult(remote.Received.Select(r => r.Activity.Value<string>("id")).Distinct().Count() == groups),
            "every Accept attempted once", node);
        await node.KillAsync();
        var beforeKill = remote.Received.Count;

        remote.InboxStatus = _ => 202;
        await node.RestartAsync();
        await EventuallyAsync(() => Task.FromResult(remote.Received.Where(r => r.AnsweredWith == 202).Select(r => r.Activity.Value<string>("id")).Distinct().Count() == groups),
            "every Accept delivered after the restart", node);
        await Task.Delay(3000);

        var successes = remote.Received.Where(r => r.AnsweredWith == 202).GroupBy(r => r.Activity.Value<string>("id")).ToList();
        Assert.Equal(groups, successes.Count);
        Assert.All(successes, g => Assert.Single(g)); // nothing delivered twice: none was in flight with a 2xx at the kill
        Assert.True(remote.Received.Count >= beforeKill + groups);
        Assert.All(successes, g => Assert.Equal("Accept", g.First().Activity.Value<string>("type")));
    }
}
