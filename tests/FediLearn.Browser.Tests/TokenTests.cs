using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

public sealed class TokenTests(ChromiumFixture chromium) : WebAppTest(chromium)
{
    [Fact]
    public async Task Token_created_on_the_tokens_page_works_on_the_API_until_revoked()
    {
        var page = await NewPageAsync();
        await SetupFirstAdminAsync(page);
        await page.GotoAsync("/account/tokens");
        await Expect(page.GetByText("You have no tokens.")).ToBeVisibleAsync();
        await page.GetByLabel("What is it for?").FillAsync("scheduler script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = (await page.Locator("#new-token").InnerTextAsync()).Trim();
        Assert.StartsWith("flt_", token);
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "scheduler script", Exact = true })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "08-tokens-created");

        using var http = new HttpClient { BaseAddress = Node.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // 400 "object is required" proves the token was accepted (a bad token gets 401 first).
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("api/thread")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync("api/thread?object=x")).StatusCode);

        // Reloading the page never shows the secret again.
        await page.GotoAsync("/account/tokens");
        await Expect(page.Locator("#new-token")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke token scheduler script" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        await Expect(page.GetByText("You have no tokens.")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/thread?object=x")).StatusCode);
    }

    [Fact]
    public async Task A_token_created_without_a_name_is_called_API_token()
    {
        // The name is optional; an empty field was bound as null and answered 500 until 2026-12-05.
        var page = await NewPageAsync();
        await SetupFirstAdminAsync(page);
        await page.GotoAsync("/account/tokens");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        Assert.StartsWith("flt_", (await page.Locator("#new-token").InnerTextAsync()).Trim());
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "API token", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Password_change_needs_the_current_password()
    {
        var page = await NewPageAsync();
        await SetupFirstAdminAsync(page);
        await page.GotoAsync("/account");
        await page.GetByLabel("Current password").FillAsync("wrong wrong wrong");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.Locator("#f-currentpassword-error")).ToHaveTextAsync("The current password is not right.");
        await ScreenshotAsync(page, "09-account-password-error");

        await page.GetByLabel("Current password").FillAsync(AdminPassword);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password was changed.");

        var other = await NewPageAsync();
        await LogInAsync(other, "ana", "a brand new passphrase");
    }
}
