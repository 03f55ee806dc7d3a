using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

public sealed class FirstStartTests(ChromiumFixture chromium) : WebAppTest(chromium)
{
    [Fact]
    public async Task First_admin_sets_up_the_node_creates_a_group_and_its_public_page_shows_it()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await ScreenshotAsync(page, "01-home-new-node");
        await page.GetByRole(AriaRole.Link, new() { Name = "create the first admin account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up this node", Level = 1 })).ToBeVisibleAsync();

        // A mistake is explained beside the field it concerns.
        await page.GetByLabel("Your name on this node").FillAsync("ana");
        await page.GetByLabel("E-mail").FillAsync("ana@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AdminPassword);
        await page.GetByLabel("Password again").FillAsync("something else entirely");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin account" }).ClickAsync();
        var confirm = page.GetByLabel("Password again");
        await Expect(confirm).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(confirm).ToHaveAttributeAsync("aria-describedby", "f-confirmpassword-error");
        await Expect(page.Locator("#f-confirmpassword-error")).ToHaveTextAsync("The two passwords differ.");
        await ScreenshotAsync(page, "02-setup-validation");

        await SetupFirstAdminAsync(page);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Account (ana)" })).ToBeVisibleAsync();
        await Expect(page.GetByText("No groups yet.")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "03-workspace-empty");

        await page.GetByLabel("Short name").FillAsync("pottery");
        await page.GetByLabel("Title").FillAsync("Pottery for beginners");
        await page.GetByLabel("Summary (optional)").FillAsync("Wheel, clay and kiln, one evening a week.");
        await page.GetByLabel("Facilitators approve each new follower").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("was created");
        await ScreenshotAsync(page, "04-workspace-with-group");

        await page.GetByRole(AriaRole.Listitem).GetByRole(AriaRole.Link, new() { Name = "Pottery for beginners" }).ClickAsync();
        await page.ArriveAtAsync("**/g/pottery");
        await Expect(page.Locator("h1")).ToContainTextAsync("Pottery for beginners");
        await ScreenshotAsync(page, "05-group-public-page");

        // The one-time setup page is gone, and the home page no longer points to it.
        var setupAgain = await page.GotoAsync("/setup");
        Assert.Equal(404, setupAgain!.Status);
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "create the first admin account" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Pottery for beginners" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Setup_page_fits_a_phone_screen()
    {
        var page = await NewPageAsync(390, 844);
        await page.GotoAsync("/setup");
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "the setup page scrolls sideways on a 390 px wide phone");
        await ScreenshotAsync(page, "06-setup-phone");
    }

    [Fact]
    public async Task Cli_admin_counts_as_the_first_admin_and_logs_in()
    {
        await AddUserWithCliAsync("boss", AdminPassword, "admin");
        var page = await NewPageAsync();
        var setup = await page.GotoAsync("/setup");
        Assert.Equal(404, setup!.Status);

        // Wrong password: a clear message, still on /login.
        await page.GotoAsync("/login");
        await page.GetByLabel("Name or e-mail").FillAsync("boss@example.org");
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
        await ScreenshotAsync(page, "07-login-failed");

        await LogInAsync(page, "boss@example.org", AdminPassword);
        await Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true })).ToBeVisibleAsync();
    }
}
