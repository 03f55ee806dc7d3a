using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

public sealed class InvitationTests(ChromiumFixture chromium) : WebAppTest(chromium)
{
    [Fact]
    public async Task Admin_invites_a_facilitator_who_joins_logs_out_and_logs_in_again()
    {
        var admin = await NewPageAsync();
        await SetupFirstAdminAsync(admin);
        var created = await Node.CliAsync("groups", "add", "weavers", "--title", "Weaving circle");
        Assert.True(created.ExitCode == 0, created.StdErr);

        await admin.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true }).ClickAsync();
        await admin.GetByRole(AriaRole.Link, new() { Name = "Invitations" }).First.ClickAsync();
        await admin.ArriveAtAsync("**/admin/invitations");
        await admin.GetByLabel("Facilitator of the group chosen below").CheckAsync();
        await admin.GetByLabel("Group (for a facilitator)").SelectOptionAsync("weavers");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create invitation link" }).ClickAsync();
        var link = (await admin.Locator("#invitation-link").InnerTextAsync()).Trim();
        Assert.StartsWith($"{Node.Origin}/join/", link);
        await ScreenshotAsync(admin, "10-admin-invitations");

        // The invitee, in another browser.
        var invitee = await NewPageAsync();
        await invitee.GotoAsync(link);
        await Expect(invitee.GetByText("facilitator of Weaving circle")).ToBeVisibleAsync();
        await ScreenshotAsync(invitee, "11-join");
        await invitee.GetByLabel("Your name on this node").FillAsync("bo");
        await invitee.GetByLabel("E-mail").FillAsync("bo@example.org");
        await invitee.GetByLabel("Password", new() { Exact = true }).FillAsync("bo's long password");
        await invitee.GetByLabel("Password again").FillAsync("bo's long password");
        await invitee.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await invitee.ArriveAtAsync("**/workspace**");
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Groups you facilitate" })).ToBeVisibleAsync();
        await Expect(invitee.GetByRole(AriaRole.Link, new() { Name = "Weaving circle" })).ToBeVisibleAsync();
        // A facilitator is not an admin.
        await Expect(invitee.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Invitations" })).ToHaveCountAsync(0);
        await Expect(invitee.GetByRole(AriaRole.Button, new() { Name = "Create group" })).ToHaveCountAsync(0);

        await invitee.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(invitee.GetByText("You are logged out.")).ToBeVisibleAsync();
        var afterLogout = await invitee.GotoAsync("/workspace");
        Assert.Contains("/login", afterLogout!.Url);

        await LogInAsync(invitee, "bo", "bo's long password");
        await Expect(invitee.GetByRole(AriaRole.Link, new() { Name = "Weaving circle" })).ToBeVisibleAsync();

        // The link worked once.
        var reused = await NewPageAsync();
        var response = await reused.GotoAsync(link);
        Assert.Equal(410, response!.Status);
        await Expect(reused.GetByRole(AriaRole.Alert)).ToContainTextAsync("already been used");
        await ScreenshotAsync(reused, "12-join-used");

        await admin.ReloadAsync();
        await Expect(admin.GetByText("used by bo")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Unknown_invitation_code_says_so()
    {
        var page = await NewPageAsync();
        var response = await page.GotoAsync("/join/not-a-real-code");
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid");
    }
}
