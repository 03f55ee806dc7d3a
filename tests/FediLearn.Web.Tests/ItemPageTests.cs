using AngleSharp.Html.Parser;
using FediLearn.Testing;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// An item's public page holds its whole discussion a page at a time: every reply reachable, the heading counting all of
/// them. It used to show the first 500 replies and stop, with "Discussion (500)" over a thread of more.
/// </summary>
public sealed class ItemPageTests
{
    [Fact]
    public async Task A_long_discussion_is_paged_oldest_first_and_every_reply_is_reachable()
    {
        const int count = 205;
        await using var a = await PublishingNode.StartAsync("item-page", new Dictionary<string, string>
        {
            ["FediLearn__RateLimits__InboxPerHostPerMinute"] = "0",
        });
        await using var remote = await FakeRemoteServer.StartAsync();
        var prompt = (await a.PublishAsync("prompts", new { content = "One thing you learned?" })).Value<string>("id")!;
        var handle = $"@rust@{a.Node.Authority}";
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var reply = remote.MastodonReply("learner", $"{remote.Origin}/users/learner/statuses/{i}", prompt, a.Group, handle, $"<p>answer {i:000}</p>");
            using var response = await remote.SendAsync($"{a.Node.Origin}/inbox", reply);
            Assert.Equal(202, (int)response.StatusCode);
        });
        await EventuallyAsync(async () => (await PageAsync(prompt)).Contains($"Discussion ({count})"), $"all {count} replies stored", a.Node);

        var parser = new HtmlParser();
        var seen = new List<string>();
        var times = new List<string>();
        var next = prompt;
        for (var page = 1; page <= 3; page++)
        {
            var html = parser.ParseDocument(await PageAsync(next));
            Assert.Equal($"Discussion ({count})", html.QuerySelector("h2#discussion")!.TextContent);
            var first = (page - 1) * 100 + 1;
            Assert.Contains($"Replies {first}–{Math.Min(page * 100, count)} of {count}, oldest first; page {page} of 3.", html.Body!.TextContent);
            seen.AddRange(html.QuerySelectorAll("article.reply p:last-child").Select(p => p.TextContent));
            times.AddRange(html.QuerySelectorAll("article.reply time").Select(t => t.GetAttribute("datetime")!));
            Assert.Equal(page == 1, html.QuerySelector("a[rel=prev]") is null);
            next = html.QuerySelector("a[rel=next]")?.GetAttribute("href") ?? "";
            Assert.Equal(page == 3, next == "");
            if (page > 1) Assert.Equal(prompt + (page > 2 ? $"?page={page - 1}" : "") + "#discussion", html.QuerySelector("a[rel=prev]")!.GetAttribute("href"));
        }
        // Every reply once, oldest first (they were sent side by side: their order within a second is the server's).
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"answer {i:000}"), seen.Order());
        Assert.Equal(times.Order(StringComparer.Ordinal), times);

        // A page past the last, or not a number: the nearest page, not an error.
        Assert.Contains("page 3 of 3.", await PageAsync(prompt + "?page=99"));
        Assert.Contains("page 1 of 3.", await PageAsync(prompt + "?page=x"));
    }

    private static async Task<string> PageAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
