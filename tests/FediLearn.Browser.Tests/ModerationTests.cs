using FediLearn.Testing;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>Followers and responses pages against a fake Mastodon server: approving a follow request sends Accept,
/// removing a reply sends Undo{Announce}.</summary>
public sealed class ModerationTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    [Fact]
    public async Task Approving_a_follow_request_on_the_followers_page_sends_the_Accept()
    {
        var ana = await FacilitatorAsync(approval: true);
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        using (var response = await remote.SendAsync($"{group}/inbox", remote.Follow(group)))
            Assert.Equal(202, (int)response.StatusCode);

        await EventuallyAsync(async () =>
        {
            await ana.GotoAsync("/workspace/rust");
            return await ana.GetByText("1 person is waiting").CountAsync() > 0;
        }, "the dashboard shows the follow request");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Approve or refuse them" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/followers");
        await Expect(ana.GetByText("No followers yet.")).ToBeVisibleAsync();
        await ScreenshotAsync(ana, "19-followers");
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Accept");

        await ana.GetByRole(AriaRole.Button, new() { Name = "Approve @learner@" + new Uri(remote.Origin).Authority }).ClickAsync();
        await ana.ArriveAtAsync("**/followers?done=approved");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Following the group (1)" })).ToBeVisibleAsync();
        await Expect(ana.GetByText("No one is waiting.")).ToBeVisibleAsync();

        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));
        Assert.Equal(group, accept.Activity.Value<string>("actor"));
        Assert.Equal(remote.ActorId, accept.Activity["object"]!.Value<string>("actor"));
    }

    /// <summary>
    /// A group with more followers than a page holds: 50 a page, oldest first, the heading counts them all, and removing
    /// one on page 2 comes back to page 2. Until 2026-12-05 the page listed every follower at once.
    /// </summary>
    [Fact]
    public async Task The_followers_page_holds_fifty_a_page_and_a_removal_stays_on_its_page()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        var host = new Uri(remote.Origin).Authority;
        for (var i = 1; i <= 52; i++)
        {
            using var response = await remote.SendAsync($"{group}/inbox", remote.Follow(group, $"learner{i:00}"));
            Assert.Equal(202, (int)response.StatusCode);
        }
        await EventuallyAsync(async () =>
        {
            await ana.GotoAsync("/workspace/rust/followers");
            return await ana.GetByRole(AriaRole.Heading, new() { Name = "Following the group (52)" }).CountAsync() == 1;
        }, "52 followers accepted");
        var followers = ana.Locator("div.follower:not(.banned)");
        await Expect(followers).ToHaveCountAsync(50);
        await Expect(followers.First).ToContainTextAsync($"@learner01@{host}");
        await Expect(ana.GetByText("Page 1 of 2, oldest first.")).ToBeVisibleAsync();

        await ana.GetByRole(AriaRole.Link, new() { Name = "Later followers" }).ClickAsync();
        await ana.ArriveAtAsync("**/followers?page=2");
        await Expect(followers).ToHaveCountAsync(2);
        await ana.GetByRole(AriaRole.Button, new() { Name = $"Remove @learner51@{host}" }).ClickAsync();
        await ana.ArriveAtAsync("**/followers?page=2&done=removed");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Removed");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Following the group (51)" })).ToBeVisibleAsync();
        await Expect(followers).ToHaveCountAsync(1);
        await Expect(followers).ToContainTextAsync($"@learner52@{host}");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Earlier followers" }).ClickAsync();
        await Expect(followers).ToHaveCountAsync(50);
    }

    [Fact]
    public async Task Removing_a_reply_on_the_responses_page_withdraws_the_groups_Announce()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));

        var prompt = await PublishPromptAsync(ana, "What confused you most about **traits**?");
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(60));
        var noteId = $"{remote.Origin}/users/mia/statuses/1";
        var create = remote.MastodonReply("mia", noteId, prompt, group, $"@rust@{Node.Authority}",
            "<p><span class=\"h-card\"><a href=\"x\" class=\"u-url mention\">@rust</a></span> Trait objects vs generics!<script>alert(1)</script></p>");
        using (var response = await remote.SendAsync($"{Node.Origin}/inbox", create)) Assert.Equal(202, (int)response.StatusCode);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Announce", TimeSpan.FromSeconds(60));

        await ana.GotoAsync("/workspace/rust");
        await Expect(ana.GetByText("1 response from 1 person")).ToBeVisibleAsync();
        await ana.GetByRole(AriaRole.Link, new() { Name = "What confused you most about traits?" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/prompts/*");
        var reply = ana.Locator("article.reply");
        await Expect(reply).ToHaveCountAsync(1);
        await Expect(reply).ToContainTextAsync("Trait objects vs generics!");
        await Expect(reply).ToContainTextAsync("from " + new Uri(remote.Origin).Authority);
        await Expect(reply).ToContainTextAsync("UTC");
        await Expect(reply.Locator("script")).ToHaveCountAsync(0);
        await ScreenshotAsync(ana, "18-responses");

        await reply.GetByLabel("Reason for removing (optional)").FillAsync("Off topic");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await ana.ArriveAtAsync("**removed=1");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("The reply was removed");
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(0);
        await Expect(ana.GetByText("Trait objects vs generics!")).ToHaveCountAsync(0);

        var undo = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Undo"
            && r.Activity["object"] is JObject o && o.Value<string>("type") == "Announce", TimeSpan.FromSeconds(60));
        Assert.Equal(group, undo.Activity.Value<string>("actor"));

        await ana.GotoAsync("/workspace/rust/moderation");
        var row = ana.GetByRole(AriaRole.Row, new() { Name = "remove-reply" });
        await Expect(row).ToContainTextAsync(noteId);
        await Expect(row).ToContainTextAsync("Off topic");
        await Expect(row).ToContainTextAsync("ana");
    }

    /// <summary>
    /// Learners reply to posts (and materials and sessions) from Mastodon as much as to prompts: the items list links to a
    /// post's replies, where a facilitator removes one as on a prompt's responses page. Until 2026-12-05 only prompts had
    /// such a page, and a reply to a post could be removed only through the API or the CLI.
    /// </summary>
    [Fact]
    public async Task A_reply_to_a_post_is_listed_and_removed_from_the_posts_replies_page()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));
        await ana.GotoAsync("/workspace/rust/new/post");
        await ana.GetByLabel("Title (optional)").FillAsync("Reading list");
        await ana.GetByLabel("Text (Markdown)").FillAsync("Read chapter 3.");
        var post = await PublishAsync(ana);
        foreach (var (who, n) in new[] { ("mia", 1), ("ole", 2) })
        {
            var reply = remote.MastodonReply(who, $"{remote.Origin}/users/{who}/statuses/{n}", post, group, $"@rust@{Node.Authority}", $"<p>Chapter 3 note from {who}.</p>");
            using var response = await remote.SendAsync($"{Node.Origin}/inbox", reply);
            Assert.Equal(202, (int)response.StatusCode);
        }

        await EventuallyAsync(async () =>
        {
            await ana.GotoAsync("/workspace/rust/items");
            await ana.GetByRole(AriaRole.Link, new() { Name = "Replies to Reading list" }).ClickAsync();
            await ana.ArriveAtAsync("**/workspace/rust/items/*/replies");
            return await ana.GetByText("2 replies from 2 people.").CountAsync() == 1;
        }, "both replies listed");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Replies to “Reading list”");
        var first = ana.Locator("article.reply").First;
        await Expect(first).ToContainTextAsync("Chapter 3 note from mia.");
        await first.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await ana.ArriveAtAsync("**/items/*/replies?removed=1");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("The reply was removed");
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(1);
        await Expect(ana.Locator("article.reply")).ToContainTextAsync("from ole");
        var undo = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Undo"
            && r.Activity["object"] is JObject o && o.Value<string>("type") == "Announce", TimeSpan.FromSeconds(60));
        Assert.Equal(group, undo.Activity.Value<string>("actor"));

        // The prompts/{id} address stays a prompt's: a post there is not found.
        var id = post.Split('/').Last();
        var response2 = await ana.GotoAsync($"/workspace/rust/prompts/{id}");
        Assert.Equal(404, response2!.Status);
    }

    /// <summary>
    /// A prompt with more responses than a page holds: 50 a page, oldest first, with links between the pages, and a
    /// removal on page 2 comes back to page 2. Until 2026-12-05 the page listed every reply at once (842 KB of HTML for
    /// 637 replies in a load test).
    /// </summary>
    [Fact]
    public async Task The_responses_page_holds_fifty_replies_a_page_and_a_removal_stays_on_its_page()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        var prompt = await PublishPromptAsync(ana, "Introduce yourself");
        for (var i = 1; i <= 52; i++)
        {
            var reply = remote.MastodonReply(i % 2 == 0 ? "mia" : "ole", $"{remote.Origin}/users/x/statuses/{i}", prompt, group,
                $"@rust@{Node.Authority}", $"<p>Hello, reply number {i:00}.</p>");
            using var response = await remote.SendAsync($"{Node.Origin}/inbox", reply);
            Assert.Equal(202, (int)response.StatusCode);
        }
        var responses = "/workspace/rust/prompts/" + prompt.Split('/').Last();
        await EventuallyAsync(async () =>
        {
            await ana.GotoAsync(responses);
            return await ana.GetByText("52 responses from 2 people, oldest first; page 1 of 2.").CountAsync() == 1;
        }, "all 52 replies listed");
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(50);
        await Expect(ana.Locator("article.reply").First).ToContainTextAsync("reply number 01");
        await Expect(ana.Locator("article.reply").Last).ToContainTextAsync("reply number 50");
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Earlier responses" })).ToHaveCountAsync(0);

        await ana.GetByRole(AriaRole.Link, new() { Name = "Later responses" }).ClickAsync();
        await ana.ArriveAtAsync("**page=2");
        await Expect(ana.GetByText("page 2 of 2")).ToBeVisibleAsync();
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(2);
        await Expect(ana.Locator("article.reply").First).ToContainTextAsync("reply number 51");

        await ana.Locator("article.reply").First.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await ana.ArriveAtAsync("**page=2&removed=1");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("The reply was removed");
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(1);
        await Expect(ana.Locator("article.reply")).ToContainTextAsync("reply number 52");
        await Expect(ana.GetByText("51 responses from 2 people, oldest first; page 2 of 2.")).ToBeVisibleAsync();
        await ana.GetByRole(AriaRole.Link, new() { Name = "Earlier responses" }).ClickAsync();
        await Expect(ana.Locator("article.reply")).ToHaveCountAsync(50);
    }
}
