using AngleSharp.Html.Parser;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Public pages reach everything a group published: an item's page holds its whole discussion a page at a time (it used
/// to show the first 500 replies and stop, under "Discussion (500)"), and the group's page links to lists of all its
/// prompts, posts, materials and sessions.
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
        await EventuallyAsync(async () => (await GetHtmlAsync(prompt)).Contains($"Discussion ({count})"), $"all {count} replies stored", a.Node);

        var parser = new HtmlParser();
        var seen = new List<string>();
        var times = new List<string>();
        var next = prompt;
        for (var page = 1; page <= 3; page++)
        {
            var html = parser.ParseDocument(await GetHtmlAsync(next));
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

        // An answer to a reply on an earlier page names it and links to it where it was published.
        var oldest = $"{remote.Origin}/users/learner/statuses/1";
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox",
            remote.MastodonReply("learner", $"{remote.Origin}/users/learner/statuses/{count + 1}", oldest, a.Group, handle, "<p>answering the first</p>")))
            Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(async () => (await GetHtmlAsync(prompt)).Contains($"Discussion ({count + 1})"), "the answer to a reply stored", a.Node);
        var last = parser.ParseDocument(await GetHtmlAsync(prompt + "?page=3")).QuerySelectorAll("article.reply").Last();
        Assert.Contains("answering the first", last.TextContent);
        Assert.Equal(oldest, last.QuerySelector("a.parent")!.GetAttribute("href"));

        // A page past the last, or not a number: the nearest page, not an error.
        Assert.Contains("page 3 of 3.", await GetHtmlAsync(prompt + "?page=99"));
        Assert.Contains("page 1 of 3.", await GetHtmlAsync(prompt + "?page=x"));
    }

    /// <summary>
    /// The group's page lists the latest five posts; once that list is full it links to a page of all of them, 50 a page,
    /// newest first. Before, a sixth-newest post could only be found through the feed or the outbox.
    /// </summary>
    [Fact]
    public async Task The_group_page_links_to_every_post_and_the_list_pages_newest_first()
    {
        await using var a = await PublishingNode.StartAsync("item-list");
        for (var i = 1; i <= 52; i++) await a.PublishAsync("posts", new { content = $"Post number {i:00}" });
        for (var i = 1; i <= 3; i++) await a.PublishAsync("prompts", new { content = $"Prompt number {i}" });
        var day = DateTime.UtcNow.Date.AddDays(30);
        for (var i = 1; i <= 10; i++) // ten upcoming sessions fill their list, with none past
            await a.PublishAsync("sessions", new { title = $"Session {i}", content = "x", startsAt = day.AddDays(i).AddHours(18).ToString("yyyy-MM-ddTHH:mm"), endsAt = day.AddDays(i).AddHours(19).ToString("yyyy-MM-ddTHH:mm"), timezone = "Europe/Amsterdam", place = "Library" });
        var parser = new HtmlParser();

        var group = parser.ParseDocument(await GetHtmlAsync(a.Group));
        Assert.Equal($"{a.Group}/posts", group.QuerySelector("section[aria-labelledby=posts] a[href$='/posts']")?.GetAttribute("href"));
        Assert.Equal("All posts", group.QuerySelector("section[aria-labelledby=posts] a[href$='/posts']")!.TextContent);
        Assert.Null(group.QuerySelector("a[href$='/prompts']")); // three prompts: the group's page shows them all
        Assert.NotNull(group.QuerySelector("section[aria-labelledby=upcoming] a[href$='/sessions']"));
        Assert.Null(group.QuerySelector("section[aria-labelledby=past] a[href$='/sessions']"));

        var first = parser.ParseDocument(await GetHtmlAsync($"{a.Group}/posts"));
        Assert.Contains("52 in all, newest first; page 1 of 2.", first.Body!.TextContent);
        var titles = first.QuerySelectorAll("ul.items li a").Select(l => l.TextContent).ToList();
        Assert.Equal(Enumerable.Range(3, 50).Reverse().Select(i => $"Post number {i:00}"), titles);
        Assert.Null(first.QuerySelector("a[rel=prev]"));
        var older = first.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        Assert.Equal($"{a.Group}/posts?page=2", older);

        var second = parser.ParseDocument(await GetHtmlAsync(older));
        Assert.Equal(["Post number 02", "Post number 01"], second.QuerySelectorAll("ul.items li a").Select(l => l.TextContent));
        Assert.Equal($"{a.Group}/posts", second.QuerySelector("a[rel=prev]")!.GetAttribute("href"));
        Assert.Null(second.QuerySelector("a[rel=next]"));

        Assert.Contains("3 in all, newest first.", await GetHtmlAsync($"{a.Group}/prompts"));
        var sessions = parser.ParseDocument(await GetHtmlAsync($"{a.Group}/sessions"));
        Assert.Contains("10 in all, latest start first.", sessions.Body!.TextContent);
        Assert.Equal("Session 10", sessions.QuerySelector("ul.items li a")!.TextContent);
        Assert.Contains("Nothing published here yet.", await GetHtmlAsync($"{a.Group}/materials"));

        // Not an ActivityPub document: the outbox is.
        using var json = new HttpRequestMessage(HttpMethod.Get, $"{a.Group}/posts");
        json.Headers.Accept.ParseAdd("application/activity+json");
        using var refused = await Http.SendAsync(json);
        Assert.Equal(406, (int)refused.StatusCode);
        Assert.Contains("/outbox", await refused.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A hashtag in an item links to <c>/tags/{tag}</c>, as Mastodon's link to its tag pages: that page lists what the
    /// node's public groups published with the tag, newest first, and an ActivityPub client gets the collection of their
    /// ids. Until 2026-12-06 every such link answered 404. A members-only group's item and a deleted one are left out.
    /// </summary>
    [Fact]
    public async Task A_hashtag_links_to_a_page_of_what_the_public_groups_published_with_it()
    {
        await using var a = await PublishingNode.StartAsync("tags");
        await a.Node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        var older = (await a.PublishAsync("posts", new { content = "Lifetimes, slowly #rust" })).Value<string>("id")!;
        var post = (await a.PublishAsync("posts", new { content = "Borrowing explained #Rust #ownership" })).Value<string>("id")!;
        var gone = await a.PublishAsync("posts", new { content = "Withdrawn notes #rust" });
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"groups/rust/posts/{gone.Value<long>("localId")}"))
            Assert.True(delete.IsSuccessStatusCode, $"{(int)delete.StatusCode}");
        using (var closed = await a.SendAsync(HttpMethod.Post, "groups/cohort/posts", new { content = "Secret handshake #rust" }))
            Assert.Equal(201, (int)closed.StatusCode);

        var link = new HtmlParser().ParseDocument(await GetHtmlAsync(post)).QuerySelector("a[rel~=tag][href$='/tags/rust']");
        Assert.NotNull(link);
        var tag = link.GetAttribute("href")!;
        Assert.Equal($"{a.Node.Origin}/tags/rust", tag);

        var page = new HtmlParser().ParseDocument(await GetHtmlAsync(tag));
        Assert.Equal("#rust", page.QuerySelector("h1")!.TextContent);
        Assert.Equal([post, older], page.QuerySelectorAll("ul.items li > a:first-child").Select(x => x.GetAttribute("href")));
        Assert.DoesNotContain("Secret handshake", page.Body!.TextContent);
        Assert.DoesNotContain("Withdrawn", page.Body.TextContent);
        Assert.All(page.QuerySelectorAll("ul.items li"), li => Assert.Equal($"{a.Node.Origin}/g/rust", li.QuerySelector("span.muted a")?.GetAttribute("href")));
        Assert.Contains("Borrowing explained", await GetHtmlAsync($"{a.Node.Origin}/tags/RUST")); // a tag is one tag in any case
        using (var html = new HttpRequestMessage(HttpMethod.Get, tag))
        {
            // The same URL answers ActivityPub JSON (below): a cache must not hand the page to a server, or the JSON to a browser.
            html.Headers.Accept.ParseAdd("text/html");
            using var answer = await Http.SendAsync(html);
            Assert.Contains("Accept", answer.Headers.Vary);
        }

        // Plain application/json (scripts, some fetchers) gets the object, as from Mastodon, not the page.
        using (var plain = new HttpRequestMessage(HttpMethod.Get, post))
        {
            plain.Headers.Accept.ParseAdd("application/json");
            using var answer = await Http.SendAsync(plain);
            Assert.Equal("application/activity+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Equal(post, JObject.Parse(await answer.Content.ReadAsStringAsync()).Value<string>("id"));
        }

        var collection = await GetActivityJsonAsync(tag);
        Assert.Equal(("OrderedCollection", 2), (collection.Value<string>("type"), collection.Value<int>("totalItems")));
        Assert.Equal([post, older], collection["orderedItems"]!.Values<string>());

        Assert.Contains("Nothing published with #knitting", await GetHtmlAsync($"{a.Node.Origin}/tags/knitting"));
        using var notATag = await Http.GetAsync($"{a.Node.Origin}/tags/not-a-tag");
        Assert.Equal(404, (int)notATag.StatusCode);
    }

    /// <summary>
    /// Every other paged public list shows the last page for a page past it (the item lists, a discussion); the tag page
    /// answers 200 with an empty list that says "page 7 of 2", and a Newer link to page 6, which is empty too.
    /// </summary>
    [Fact]
    public async Task A_tag_page_past_the_last_is_not_an_empty_page_7_of_2()
    {
        await using var a = await PublishingNode.StartAsync("tag-paging");
        for (var i = 1; i <= 51; i++) await a.PublishAsync("posts", new { content = $"Post {i} #pagingtag" });
        var page = await GetHtmlAsync($"{a.Node.Origin}/tags/pagingtag?page=7");
        Assert.DoesNotContain("page 7 of 2", page);
        Assert.Contains("page 2 of 2", page);
        Assert.NotEmpty(new HtmlParser().ParseDocument(page).QuerySelectorAll("ul.items li"));
    }

    /// <summary>A browser following a mistyped tag page link gets a JSON body, where every other public list shows page 1.</summary>
    [Fact]
    public async Task A_tag_page_with_an_odd_page_number_answers_a_browser_with_a_page()
    {
        await using var a = await PublishingNode.StartAsync("tag-odd-page");
        await a.PublishAsync("posts", new { content = "Hello #oddpage" });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{a.Node.Origin}/tags/oddpage?page=x");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "text/html", $"{(int)response.StatusCode} {response.Content.Headers.ContentType}: {text}");
        Assert.Contains("Hello", text);

        // An ActivityPub client is still told what is wrong, as by every collection.
        using var json = new HttpRequestMessage(HttpMethod.Get, $"{a.Node.Origin}/tags/oddpage?page=x");
        json.Headers.Accept.ParseAdd("application/activity+json");
        using var refused = await Http.SendAsync(json);
        Assert.Equal(400, (int)refused.StatusCode);
    }

    [Fact]
    public async Task A_members_only_groups_lists_are_refused_to_visitors_with_403()
    {
        await using var node = await NodeProcess.StartAsync("item-list-private");
        await node.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@example.org").MustAsync();
        await node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{node.Origin}/g/cohort/prompts");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        Assert.Equal(403, (int)response.StatusCode);
        using var missing = await Http.GetAsync($"{node.Origin}/g/nobody/prompts");
        Assert.Equal(404, (int)missing.StatusCode);
    }

    /// <summary>
    /// What hangs off a deleted item is gone with it: a session's <c>.ics</c> and an item's <c>replies</c> and
    /// <c>context</c> answer 410 as the item's own address does (a page for a browser, a Tombstone for an ActivityPub
    /// client, a JSON error for a calendar app), where they answered 404 ("never existed") until 2026-12-06. An id that
    /// never existed is still 404.
    /// </summary>
    [Fact]
    public async Task A_deleted_items_calendar_and_thread_collections_answer_410_and_an_unknown_ids_404()
    {
        await using var a = await PublishingNode.StartAsync("item-gone");
        var session = await a.PublishAsync("sessions", new { title = "Soon gone", content = "x", startsAt = "2027-03-25T19:00", endsAt = "2027-03-25T20:00", timezone = "Europe/Amsterdam", place = "Library" });
        var post = await a.PublishAsync("posts", new { content = "Withdrawn notes" });
        foreach (var (kind, item) in new[] { ("sessions", session), ("posts", post) })
            using (var delete = await a.SendAsync(HttpMethod.Delete, $"groups/rust/{kind}/{item.Value<long>("localId")}"))
                Assert.Equal(204, (int)delete.StatusCode);
        var sessionId = session.Value<string>("id")!;
        var postId = post.Value<string>("id")!;

        // The calendar: a page for the visitor's browser, JSON for the calendar app, as the item's address and its 404.
        var ics = $"{sessionId}.ics";
        using (var page = await SendAsync(ics, "text/html,application/xhtml+xml,*/*;q=0.8"))
        {
            Assert.Equal(410, (int)page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<h1>Deleted</h1>", await page.Content.ReadAsStringAsync());
        }
        using (var app = await Http.GetAsync(ics))
        {
            Assert.Equal(410, (int)app.StatusCode);
            Assert.Equal("application/json", app.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(JObject.Parse(await app.Content.ReadAsStringAsync())["error"]);
        }

        // The thread collections: a Tombstone of the collection, with or without the Accept, and a page for a browser.
        foreach (var url in new[] { $"{sessionId}/replies", $"{sessionId}/context", $"{postId}/replies", $"{postId}/context?page=1" })
        {
            foreach (var accept in new[] { "application/activity+json", null })
            {
                using var response = await SendAsync(url, accept);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(410 == (int)response.StatusCode, $"{url}, Accept {accept ?? "none"}: {(int)response.StatusCode} {body}");
                Assert.Equal("application/activity+json", response.Content.Headers.ContentType?.MediaType);
                var tombstone = JObject.Parse(body);
                Assert.Equal(("Tombstone", "OrderedCollection", url.Split('?')[0]),
                    (tombstone.Value<string>("type"), tombstone.Value<string>("formerType"), tombstone.Value<string>("id")));
                Assert.NotNull(tombstone["deleted"]);
            }
            using var browser = await SendAsync(url, "text/html");
            Assert.Equal(410, (int)browser.StatusCode);
            Assert.Contains("<h1>Deleted</h1>", await browser.Content.ReadAsStringAsync());
        }
        using (var item = await SendAsync(sessionId, "application/activity+json"))
            Assert.Equal(410, (int)item.StatusCode); // as the item itself

        // Never there: 404.
        var unknownSession = $"{a.Group}/sessions/999999";
        foreach (var url in new[] { $"{unknownSession}.ics", $"{unknownSession}/replies", $"{unknownSession}/context", $"{a.Group}/posts/999999/replies" })
        {
            using var response = await SendAsync(url, "application/activity+json");
            Assert.True(404 == (int)response.StatusCode, $"{url}: {(int)response.StatusCode}");
        }
        Assert.DoesNotContain("Unhandled", a.Node.Output);

        static async Task<HttpResponseMessage> SendAsync(string url, string? accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            return await Http.SendAsync(request);
        }
    }
}
