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
}
