using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 6, rate limits: a remote host over its inbox or fetch budget, a token over its API budget and an
/// address over its login budget get 429 with Retry-After and a JSON error, and nobody else's budget is touched.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Each_remote_host_token_and_address_has_its_own_budget_and_429_says_when_to_come_back()
    {
        await using var a = await PublishingNode.StartAsync("limits", new Dictionary<string, string>
        {
            ["FediLearn:RateLimits:InboxPerHostPerMinute"] = "3",
            ["FediLearn:RateLimits:FetchPerHostPerMinute"] = "3",
            ["FediLearn:RateLimits:ApiPerTokenPerMinute"] = "3",
            ["FediLearn:RateLimits:LoginPerAddressPerMinute"] = "3",
        });
        await using var busy = await FakeRemoteServer.StartAsync();
        await using var quiet = await FakeRemoteServer.StartAsync();

        var inbox = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await busy.SendAsync($"{a.Group}/inbox", busy.Follow(a.Group));
            inbox.Add((int)response.StatusCode);
            if (i == 4) await AssertTooManyAsync(response);
        }
        Assert.Equal([202, 202, 202, 429, 429], inbox);
        using (var other = await quiet.SendAsync($"{a.Group}/inbox", quiet.Follow(a.Group)))
            Assert.Equal(202, (int)other.StatusCode); // another host's budget is its own

        var fetches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await busy.GetAsync(a.Group);
            fetches.Add((int)response.StatusCode);
            if (i == 3) await AssertTooManyAsync(response);
        }
        Assert.Equal([200, 200, 200, 429], fetches);
        using (var page = await Http.GetAsync(a.Group)) Assert.Equal(200, (int)page.StatusCode); // people's pages are not limited

        var api = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await a.SendAsync(HttpMethod.Get, "groups/rust/prompts");
            api.Add((int)response.StatusCode);
            if (i == 3) await AssertTooManyAsync(response);
        }
        Assert.Equal([200, 200, 200, 429], api);
        var other2 = (await a.Node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
        using (var response = await a.SendAsync(HttpMethod.Get, "groups/rust/prompts", token: other2))
            Assert.Equal(200, (int)response.StatusCode);

        var logins = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await Http.PostAsync($"{a.Node.Origin}/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Login"] = "ana", ["Password"] = "wrong" }));
            logins.Add((int)response.StatusCode);
        }
        Assert.Equal(429, logins[^1]);
        Assert.DoesNotContain(429, logins.Take(3));
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(429, (int)response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("Too many requests", JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("error"));
    }
}
