using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 4 item 3: check-in votes (Create{Note{name, inReplyTo}}) are counted once and new totals go out as Update{Question}.</summary>
public sealed class VoteTests
{
    [Fact]
    public async Task Votes_are_counted_once_per_voter_totals_are_sent_and_the_closing_time_is_enforced()
    {
        // Totals wait 2 s after a vote (3 min by default), looked for every second.
        await using var a = await PublishingNode.StartAsync("votes", new Dictionary<string, string>
        {
            ["FediLearn__Delivery__VoteTotalsDelay"] = "00:00:02",
            ["FediLearn__Delivery__ScheduleInterval"] = "00:00:01",
        });
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var closes = DateTimeOffset.UtcNow.AddSeconds(40);
        var question = (await a.PublishAsync("prompts", new { content = "Pace?", choices = new[] { "slow", "right", "fast" }, closesAt = closes.ToString("yyyy-MM-ddTHH:mm:ssZ") })).Value<string>("id")!;

        JObject VoteFor(string voter, string choice, int n, FakeRemoteServer? from = null) => new()
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{(from ?? remote).Actor(voter)}/votes/{n}/activity",
            ["type"] = "Create",
            ["actor"] = (from ?? remote).Actor(voter),
            ["object"] = new JObject
            {
                ["id"] = $"{(from ?? remote).Actor(voter)}/votes/{n}", ["type"] = "Note", ["name"] = choice, ["inReplyTo"] = question,
                ["attributedTo"] = (from ?? remote).Actor(voter), ["to"] = new JArray(a.Group),
            },
        };
        // A voter on a server where nobody follows the group.
        await using var elsewhere = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Node.Origin}/inbox", VoteFor("mia", "right", 1))).Dispose();
        (await remote.SendAsync($"{a.Node.Origin}/inbox", VoteFor("mia", "fast", 2))).Dispose(); // a second choice in a single-choice check-in
        (await remote.SendAsync($"{a.Node.Origin}/inbox", VoteFor("bea", "right", 3))).Dispose();
        (await elsewhere.SendAsync($"{a.Node.Origin}/inbox", VoteFor("zoe", "slow", 5, elsewhere))).Dispose();
        // Not a Note: an Article titled like a choice, with no body, is a reply in the thread, not a vote.
        var article = VoteFor("ivy", "slow", 6);
        article["object"]!["type"] = "Article";
        article["object"]!["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public");
        article["object"]!["cc"] = new JArray(a.Group);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", article)).Dispose();
        await EventuallyAsync(async () => Totals(await GetActivityJsonAsync(question)) == "slow:1 right:2 fast:0", "two votes for right, one for slow, none for fast", a.Node);
        var votes = await GetActivityJsonAsync(question);
        Assert.Equal(3, votes.Value<int>("votersCount"));

        // The votes that came together share one Update of the Question, with all counted; no second one follows. The
        // followers' server gets it once, though two of its actors voted; the voter's server where nobody follows gets it too.
        var update = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Update", TimeSpan.FromSeconds(30));
        Assert.Equal("Question", update.Activity["object"]!.Value<string>("type"));
        Assert.Equal(3, update.Activity["object"]!.Value<int>("votersCount"));
        var toVoter = await elsewhere.WaitForAsync(r => r.Activity.Value<string>("type") == "Update", TimeSpan.FromSeconds(30));
        Assert.Equal(update.Activity.Value<string>("id"), toVoter.Activity.Value<string>("id"));
        await Task.Delay(4000);
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Update");
        Assert.Single(elsewhere.Received, r => r.Activity.Value<string>("type") == "Update");
        // Votes are not discussion; the Article is.
        Assert.Equal(2, (await GetActivityJsonAsync($"{question}/context")).Value<int>("totalItems"));

        var wait = closes - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", VoteFor("cem", "slow", 4))).Dispose();
        await Task.Delay(3000);
        var closed = await GetActivityJsonAsync(question);
        Assert.Equal("slow:1 right:2 fast:0", Totals(closed));
        Assert.NotNull(closed["closed"]);
    }

    private static string Totals(JObject question) =>
        string.Join(" ", question["oneOf"]!.Select(o => $"{o.Value<string>("name")}:{o["replies"]!.Value<int>("totalItems")}"));
}
