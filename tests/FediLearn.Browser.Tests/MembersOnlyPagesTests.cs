using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>
/// Issue 6 item 3 in the browser: a facilitator makes the group members-only on its settings page; its pages then show
/// its content to her (logged in) and only who it is and how to ask to join to a visitor or another member (403).
/// </summary>
public sealed class MembersOnlyPagesTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    [Fact]
    public async Task A_members_only_groups_pages_show_its_content_to_its_facilitator_and_not_to_visitors_or_other_members()
    {
        var ana = await FacilitatorAsync();
        await ana.GotoAsync("/workspace/rust/settings");
        await ana.GetByLabel("Members only (a private cohort)").CheckAsync();
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/settings?saved=1");
        await Expect(ana.GetByLabel("Members only (a private cohort)")).ToBeCheckedAsync();
        await Expect(ana.GetByLabel("Facilitators approve each new follower")).ToBeCheckedAsync(); // implied

        var prompt = await PublishPromptAsync(ana, "Which chapter surprised you most?");
        var own = await ana.GotoAsync(prompt);
        Assert.Equal(200, own!.Status);
        await Expect(ana.GetByText("Which chapter surprised you most?")).ToBeVisibleAsync();
        await ana.GotoAsync("/g/rust");
        await Expect(ana.GetByText("what you see here reaches approved participants alone")).ToBeVisibleAsync();
        await Expect(ana.GetByText("Which chapter surprised you most?").First).ToBeVisibleAsync();

        var visitor = await NewPageAsync(390, 844);
        var page = await visitor.GotoAsync("/g/rust");
        Assert.Equal(403, page!.Status);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Rust study circle" })).ToBeVisibleAsync();
        await Expect(visitor.GetByLabel("Your fediverse handle")).ToBeVisibleAsync(); // how to ask to join
        await Expect(visitor.GetByText("Which chapter surprised you most?")).ToHaveCountAsync(0);
        await ScreenshotAsync(visitor, "60-members-only-group-visitor-phone");
        var item = await visitor.GotoAsync(prompt);
        Assert.Equal(403, item!.Status);
        await Expect(visitor.GetByText("Which chapter surprised you most?")).ToHaveCountAsync(0);
        await Expect(visitor.GetByText("are for its participants only")).ToBeVisibleAsync();

        // Logged in is not enough: a member of the node who does not facilitate the group sees no more than a visitor.
        await AddUserWithCliAsync("bo", "bo's long password");
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", "bo's long password");
        var boItem = await bo.GotoAsync(prompt);
        Assert.Equal(403, boItem!.Status);
        await Expect(bo.GetByText("Which chapter surprised you most?")).ToHaveCountAsync(0);
    }
}
