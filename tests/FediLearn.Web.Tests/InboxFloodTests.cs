using System.Collections.Concurrent;
using System.Diagnostics;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6 item 4 (security.md: "nothing accepted is lost", "no input floods us"): a burst of validly signed activities
/// is accepted at once into the durable inbox, worked off at the bounded pace of Inbox:BatchSize/Inbox:Concurrency,
/// each exactly once, while the node keeps answering reads.
/// </summary>
public sealed class InboxFloodTests(ITestOutputHelper output)
{
    private const int Flood = 500;

    [Fact]
    public async Task A_flood_of_500_signed_replies_is_accepted_at_once_and_each_is_processed_exactly_once_while_reads_are_answered()
    {
        await using var a = await PublishingNode.StartAsync("flood", new Dictionary<string, string>
        {
            ["FediLearn__RateLimits__InboxPerHostPerMinute"] = "0",
            ["FediLearn__Inbox__BatchSize"] = "16",
            ["FediLearn__Inbox__Concurrency"] = "2",
        });
        await using var remote = await FakeRemoteServer.StartAsync();
        var prompt = (await a.PublishAsync("prompts", new { content = "One thing you learned?" })).Value<string>("id")!;
        var handle = $"@rust@{a.Node.Authority}";
        var creates = Enumerable.Range(1, Flood)
            .Select(i => remote.MastodonReply("learner", $"{remote.Origin}/users/learner/statuses/{i}", prompt, a.Group, handle, $"<p>answer {i}</p>"))
            .ToList();

        // Reads during the flood: the group actor, as a remote server fetches it.
        using var flooding = new CancellationTokenSource();
        var reads = new ConcurrentBag<(int Status, double Ms)>();
        var reader = Task.Run(async () =>
        {
            while (!flooding.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                using var request = new HttpRequestMessage(HttpMethod.Get, a.Group);
                request.Headers.Accept.ParseAdd("application/activity+json");
                using var response = await Http.SendAsync(request);
                reads.Add(((int)response.StatusCode, watch.Elapsed.TotalMilliseconds));
                await Task.Delay(50);
            }
        });

        var statuses = new ConcurrentBag<int>();
        var accepting = Stopwatch.StartNew();
        await Parallel.ForEachAsync(creates, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (create, _) =>
        {
            using var response = await remote.SendAsync($"{a.Node.Origin}/inbox", create);
            statuses.Add((int)response.StatusCode);
        });
        var accepted = accepting.Elapsed;
        var processedWhenAccepted = Count(a.Node, "SELECT count(*) FROM inbox_items WHERE state = 2");
        await flooding.CancelAsync();
        await reader;

        Assert.True(statuses.All(s => s == 202),
            string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()} x {g.Key}")) + "\n" + string.Join("\n", a.Node.Output.Split('\n').Where(l => l.Contains("fail:") || l.Contains("Exception")).Take(20)));
        Assert.True(accepted < TimeSpan.FromSeconds(120), $"accepting {Flood} took {accepted}");
        Assert.NotEmpty(reads);
        Assert.All(reads, r => Assert.Equal(200, r.Status));

        await EventuallyAsync(() => Task.FromResult(Count(a.Node, "SELECT count(*) FROM inbox_items WHERE state IN (0, 1)") == 0),
            "the inbox queue drained", a.Node, seconds: 300);
        var processed = accepting.Elapsed;

        Assert.Equal(Flood, Count(a.Node, "SELECT count(*) FROM inbox_items WHERE state = 2"));
        Assert.Equal(0, Count(a.Node, "SELECT count(*) FROM inbox_items WHERE state = 3"));
        // Exactly once: one reply per note, each relayed once.
        Assert.Equal(Flood, Count(a.Node, "SELECT count(*) FROM replies"));
        Assert.Equal(Flood, Count(a.Node, "SELECT count(DISTINCT uri) FROM replies"));
        Assert.Equal(Flood, Count(a.Node, "SELECT count(*) FROM outbound_activities WHERE type = 'Announce'"));
        Assert.Equal(Flood, Count(a.Node, "SELECT count(*) FROM inbox_items WHERE attempts = 1"));

        output.WriteLine($"{Flood} activities: all 202 in {accepted.TotalSeconds:F1} s ({Flood / accepted.TotalSeconds:F0}/s), "
            + $"{processedWhenAccepted} processed by then; all processed after {processed.TotalSeconds:F1} s ({Flood / processed.TotalSeconds:F0}/s); "
            + $"{reads.Count} reads during the flood, slowest {reads.Max(r => r.Ms):F0} ms");
    }

    /// <summary>A read-only look at the node's SQLite database (WAL: readers do not block the node's writers).</summary>
    private static long Count(NodeProcess node, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(node.DataPath, "fedilearn.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
