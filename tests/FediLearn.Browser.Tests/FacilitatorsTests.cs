using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>The Facilitators section of a group's settings page: the list, adding a member by name, removing one, the
/// last one kept, and a facilitator who removes themselves sent to /workspace.</summary>
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

        // bo removes ana (the last but one), then cannot remove himself, the last one.
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", BoPassword);
        await bo.GotoAsync("/workspace/rust/settings");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove ana as facilitator" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/rust/settings?removed=ana**");
        await Expect(bo.GetByRole(AriaRole.Status)).ToHaveTextAsync("ana no longer facilitates the group.");
        var boRows = bo.Locator("ul.facilitators > li");
        await Expect(boRows).ToHaveCountAsync(1);
        Assert.Equal(403, (await ana.GotoAsync("/workspace/rust/settings"))!.Status);

        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove bo as facilitator" }).ClickAsync();
        await Expect(bo.GetByRole(AriaRole.Alert)).ToHaveTextAsync("bo is the last facilitator of rust: make another member one first.");
        await Expect(boRows).ToHaveCountAsync(1);
        await Expect(bo.GetByLabel("Title")).ToHaveValueAsync("Rust study circle");

        // With ana back, bo removes himself and lands on his workspace, not on a 403 page.
        await bo.GetByLabel("Member's user name").FillAsync("ana");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Add facilitator" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/rust/settings?added=ana**");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Remove bo as facilitator" }).ClickAsync();
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
    }
}
