using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>The Facilitators section of a group's settings page: the list, adding a member by name, removing one through
/// a confirmation page, the last one kept, and a facilitator who removes themselves sent to /workspace.</summary>
public sealed class FacilitatorsTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    private const string BoPassword = "bo's long password";

    [Fact]
    public async Task Facilitators_add_and_remove_each_other_on_the_settings_page_but_never_the_last_one()
    {
        var ana = await FacilitatorAsync();
        await ana.GotoAsync("/workspace/rust/settings");
        var rows = ana.Locator("ul.facilitators > li");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("ana");
        await Expect(rows.First).ToContainTextAsync("facilitator since");

        // An unknown name: the service's refusal beside the field, the settings form still filled in.
        await ana.GetByLabel("Member's user name").FillAsync("nobody");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Add facilitator" }).ClickAsync();
        await Expect(ana.Locator("#f-newfacilitator-error")).ToHaveTextAsync("No member named \"nobody\".");
        await Expect(ana.GetByLabel("Member's user name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(ana.GetByLabel("Title")).ToHaveValueAsync("Rust study circle");
        await Expect(ana.Locator("#f-title-error")).ToHaveCountAsync(0);

        await AddUserWithCliAsync("bo", BoPassword);
        await ana.GetByLabel("Member's user name").FillAsync("bo");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Add facilitator" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/settings?added=bo**");
        await Expect(ana.GetByRole(AriaRole.Status)).ToHaveTextAsync("bo now facilitates the group.");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(1)).ToContainTextAsync("bo");
        await ScreenshotAsync(ana, "54-group-facilitators");

        // Adding bo twice is refused beside the field.
        await ana.GetByLabel("Member's user name").FillAsync("bo");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Add facilitator" }).ClickAsync();
        await Expect(ana.Locator("#f-newfacilitator-error")).ToContainTextAsync("already facilitates rust");

        // bo removes ana (the last but one) through the confirmation page, then cannot remove himself, the last one.
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", BoPassword);
        await bo.GotoAsync("/workspace/rust/settings");
        await bo.GetByRole(AriaRole.Link, new() { Name = "Remove ana as facilitator" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/rust/facilitators/ana/remove");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove ana" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/rust/settings?removed=ana**");
        await Expect(bo.GetByRole(AriaRole.Status)).ToHaveTextAsync("ana no longer facilitates the group.");
        var boRows = bo.Locator("ul.facilitators > li");
        await Expect(boRows).ToHaveCountAsync(1);
        Assert.Equal(403, (await ana.GotoAsync("/workspace/rust/settings"))!.Status);

        // ana is told, and the group's title leads to its public page, not to the workspace closed to her.
        await ana.GotoAsync("/workspace/notifications");
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Notifications (1 new)" })).ToBeVisibleAsync();
        var told = ana.Locator("ul.notifications > li").First;
        await Expect(told).ToContainTextAsync("You no longer facilitate this group (removed by bo)");
        await Expect(told.GetByRole(AriaRole.Link, new() { Name = "Rust study circle" })).ToHaveAttributeAsync("href", "/g/rust");

        await bo.GetByRole(AriaRole.Link, new() { Name = "Remove bo as facilitator" }).ClickAsync();
        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove myself" }).ClickAsync();
        await Expect(bo.GetByRole(AriaRole.Alert)).ToHaveTextAsync("bo is the last facilitator of rust: make another member one first.");
        await Expect(bo.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("bo was not removed");
        await bo.GetByRole(AriaRole.Link, new() { Name = "Back to the group settings" }).ClickAsync();
        await Expect(boRows).ToHaveCountAsync(1);
        await Expect(bo.GetByLabel("Title")).ToHaveValueAsync("Rust study circle");

        // With ana back, bo removes himself: the confirmation says what that means for him, and he lands on his
        // workspace, not on a 403 page.
        await bo.GetByLabel("Member's user name").FillAsync("ana");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Add facilitator" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/rust/settings?added=ana**");
        await bo.GetByRole(AriaRole.Link, new() { Name = "Remove bo as facilitator" }).ClickAsync();
        await Expect(bo.Locator("#remove-self")).ToContainTextAsync("You will no longer be able to open this group's workspace");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove myself" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace?left=rust#left");
        await Expect(bo.GetByRole(AriaRole.Status)).ToContainTextAsync("You no longer facilitate Rust study circle.");
        await Expect(bo.GetByText("You do not facilitate any group yet.")).ToBeVisibleAsync();
        Assert.Equal(403, (await bo.GotoAsync("/workspace/rust/settings"))!.Status);

        // A crafted link tells no one they left a group they still facilitate.
        await ana.GotoAsync("/workspace?left=rust");
        await Expect(ana.Locator("#left")).ToHaveCountAsync(0);

        var list = await Node.CliAsync("facilitators", "list", "rust");
        Assert.True(list.ExitCode == 0, list.StdErr + list.StdOut);
        Assert.StartsWith("ana ", list.StdOut.Trim());

        // Every change is in the group's moderation log, with who made it.
        await ana.GotoAsync("/workspace/rust/moderation");
        var logged = ana.Locator("tr").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("(add|remove)-facilitator") });
        await Expect(logged).ToHaveCountAsync(4);
        await Expect(logged.First).ToContainTextAsync("remove-facilitator"); // newest first: bo leaving, by bo
        await Expect(logged.Last).ToContainTextAsync("add-facilitator"); // ana adding bo
    }

    [Fact]
    public async Task Remove_asks_first_cancel_keeps_the_facilitator_and_only_the_confirmation_removes()
    {
        var ana = await FacilitatorAsync();
        await AddUserWithCliAsync("bo", BoPassword);
        var add = await Node.CliAsync("facilitators", "add", "rust", "bo");
        Assert.True(add.ExitCode == 0, add.StdErr + add.StdOut);
        async Task<string> ListAsync()
        {
            var list = await Node.CliAsync("facilitators", "list", "rust");
            Assert.True(list.ExitCode == 0, list.StdErr + list.StdOut);
            return list.StdOut;
        }

        // Clicking Remove alone removes no one: it opens a page that says what removing does.
        await ana.GotoAsync("/workspace/rust/settings");
        await ana.GetByLabel("Remove bo as facilitator").ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/facilitators/bo/remove");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Remove bo as a facilitator of Rust study circle?");
        Assert.Contains("bo ", await ListAsync());
        await Expect(ana.Locator("#remove-effect")).ToContainTextAsync("can no longer publish, moderate, approve followers or change the settings of this group");
        await Expect(ana.Locator("#remove-self")).ToHaveCountAsync(0);
        await ScreenshotAsync(ana, "55-group-facilitator-remove");

        // Cancel goes back to the settings with bo still there.
        await ana.GetByRole(AriaRole.Link, new() { Name = "Cancel, keep bo" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/settings#facilitators");
        await Expect(ana.Locator("ul.facilitators > li")).ToHaveCountAsync(2);
        await Expect(ana.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);
        Assert.Contains("bo ", await ListAsync());

        // Confirming removes him.
        await ana.GetByRole(AriaRole.Link, new() { Name = "Remove bo as facilitator" }).ClickAsync();
        await ana.GetByRole(AriaRole.Button, new() { Name = "Remove bo" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/settings?removed=bo#facilitators");
        await Expect(ana.GetByRole(AriaRole.Status)).ToHaveTextAsync("bo no longer facilitates the group.");
        await Expect(ana.Locator("ul.facilitators > li")).ToHaveCountAsync(1);
        Assert.DoesNotContain("bo ", await ListAsync());

        // The page again (the back button, another tab) or a name that never facilitated: a plain 404 that says so.
        var again = await ana.GotoAsync("/workspace/rust/facilitators/bo/remove");
        Assert.Equal(404, again!.Status);
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("bo does not facilitate Rust study circle");
        await Expect(ana.GetByRole(AriaRole.Button, new() { Name = "Remove bo" })).ToHaveCountAsync(0);
        Assert.Equal(404, (await ana.GotoAsync("/workspace/rust/facilitators/nobody/remove"))!.Status);

        // bo, no longer a facilitator, gets the workspace's 403 for the page and its POST, and removes no one.
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", BoPassword);
        Assert.Equal(403, (await bo.GotoAsync("/workspace/rust/facilitators/ana/remove"))!.Status);
        await bo.GotoAsync("/workspace");
        var post = await PostFormAsync(bo, "/workspace/rust/facilitators/ana/remove",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(bo) });
        Assert.Equal(403, post.Status);
        Assert.StartsWith("ana ", (await ListAsync()).Trim());
    }
}
