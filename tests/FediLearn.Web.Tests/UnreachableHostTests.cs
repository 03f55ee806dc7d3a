using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.FaultHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 7, "fan-out with slow peers" (5 % of inboxes refusing connections): a delivery is signed before its connection
/// is tried, so each job to a stopped server cost a signature for nothing. After one refused connection the host's
/// other jobs wait out the pause (UnreachableHosts) as failed attempts; once it is over, a server that is back gets them.
/// </summary>
public sealed class UnreachableHostTests
{
    private static bool CreateOf(ReceivedRequest r, string id) =>
        r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == id;

    /// <summary>Follows the node's group from a server, then stops that server: its port refuses connections.</summary>
    private static async Task<(string Origin, int Port)> StoppedFollowerAsync(PublishingNode a)
    {
        var gone = await FakeRemoteServer.StartAsync();
        (await gone.SendAsync($"{a.Group}/inbox", gone.Follow(a.Group))).Dispose();
        await gone.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var origin = gone.Origin + "/"; // its jobs go to its own inbox or its shared one
        var port = new Uri(gone.Origin).Port;
        await gone.DisposeAsync();
        return (origin, port);
    }

    [Fact]
    public async Task After_a_refused_connection_the_hosts_other_deliveries_are_not_sent_until_the_pause_is_over()
    {
        // One delivery at a time per host, so each job to the stopped server starts after the one before it ended; retries
        // a minute away, so every job below has had exactly its first attempt.
        await using var a = await PublishingNode.StartAsync("unreachable", new Dictionary<string, string>
        {
            ["FediLearn:Delivery:PerHostConcurrency"] = "1",
            ["FediLearn__Delivery__RetryBaseDelay"] = "00:01:00",
            ["FediLearn__Delivery__MaxRetryDelay"] = "00:05:00",
        });
        var (goneInbox, _) = await StoppedFollowerAsync(a);
        await using var healthy = await FakeRemoteServer.StartAsync();
        (await healthy.SendAsync($"{a.Group}/inbox", healthy.Follow(a.Group))).Dispose();
        await healthy.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var posts = new List<string>();
        for (var i = 1; i <= 5; i++) posts.Add((await a.PublishAsync("posts", new { content = $"Week {i}" })).Value<string>("id")!);
        foreach (var id in posts) await healthy.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(30));

        // Its Accept was delivered before it stopped: the five Creates are the jobs not delivered.
        const string Sql = "SELECT state, attempts, last_error FROM delivery_jobs WHERE instr(inbox, $inbox) = 1 AND state <> 2 ORDER BY id";
        await UntilAsync(() => Query(a.Node, Sql, ("$inbox", goneInbox)) is { Count: 5 } rows && rows.All(r => (long)r[0]! == 0 && (long)r[1]! == 1),
            TimeSpan.FromSeconds(30), () => "five first attempts to the stopped server recorded: " + Describe(Query(a.Node, Sql, ("$inbox", goneInbox))));
        var errors = Query(a.Node, Sql, ("$inbox", goneInbox)).Select(r => (string)r[2]!).ToList();
        // The first job tried to connect and was refused; the four after it were recorded without a connection (or a signature).
        Assert.Single(errors, e => !e.StartsWith("not sent:", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count(e => e.StartsWith("not sent: connecting to 127.0.0.1:", StringComparison.Ordinal) && e.Contains("failed", StringComparison.Ordinal)));
        Assert.DoesNotContain(errors, e => e.Contains("dead", StringComparison.Ordinal)); // a pause, not a dead host
    }

    [Fact]
    public async Task A_server_that_comes_back_after_refusing_connections_gets_every_delivery()
    {
        // The tests' node retries after 1 s (at most 5 s), and the pause after a refused connection is as long as the first retry.
        await using var a = await PublishingNode.StartAsync("unreachable-back", new Dictionary<string, string>
        {
            ["FediLearn:Delivery:PerHostConcurrency"] = "1",
        });
        var (goneInbox, port) = await StoppedFollowerAsync(a);
        var posts = new List<string>();
        for (var i = 1; i <= 4; i++) posts.Add((await a.PublishAsync("posts", new { content = $"While it was down, {i}" })).Value<string>("id")!);
        await UntilAsync(() => Query(a.Node, "SELECT COUNT(*) FROM delivery_jobs WHERE instr(inbox, $inbox) = 1 AND attempts >= 1 AND last_error IS NOT NULL", ("$inbox", goneInbox))[0][0] is 4L,
            TimeSpan.FromSeconds(30), () => "four failed first attempts to the stopped server");

        await using var back = await FakeRemoteServer.StartAsync(port);
        foreach (var id in posts) await back.WaitForAsync(r => CreateOf(r, id), TimeSpan.FromSeconds(60));
        await UntilAsync(() => Query(a.Node, "SELECT COUNT(*) FROM delivery_jobs WHERE instr(inbox, $inbox) = 1 AND state = 2", ("$inbox", goneInbox))[0][0] is 5L,
            TimeSpan.FromSeconds(30), () => "the four deliveries (and the Accept before them) recorded as delivered");
    }

    private static string Describe(List<object?[]> rows) => string.Join("; ", rows.Select(r => string.Join(" ", r)));
}
