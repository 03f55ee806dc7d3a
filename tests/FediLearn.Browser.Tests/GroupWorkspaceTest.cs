using Microsoft.Playwright;

namespace FediLearn.Browser.Tests;

/// <summary>Shared set-up for the per-group workspace tests: an admin made through /setup, a facilitator made with the
/// CLI and logged in through /login, and the group "rust" made with the CLI.</summary>
public abstract class GroupWorkspaceTest(ChromiumFixture chromium) : WebAppTest(chromium)
{
    public const string AnaPassword = "ana's long password";

    /// <summary>Creates the node's admin (rosa), the facilitator ana and the group; returns ana's logged-in page.</summary>
    protected async Task<IPage> FacilitatorAsync(bool approval = false)
    {
        var admin = await NewPageAsync();
        await SetupFirstAdminAsync(admin, "rosa");
        await AddUserWithCliAsync("ana", AnaPassword);
        string[] args = ["groups", "add", "rust", "--title", "Rust study circle", "--facilitator", "ana", .. approval ? new[] { "--approval" } : []];
        var group = await Node.CliAsync(args);
        Assert.True(group.ExitCode == 0, group.StdErr + group.StdOut);
        var ana = await NewPageAsync();
        await LogInAsync(ana, "ana", AnaPassword);
        return ana;
    }

    /// <summary>Writes and publishes a prompt through the compose page; returns its public address.</summary>
    protected static async Task<string> PublishPromptAsync(IPage page, string markdown)
    {
        await page.GotoAsync("/workspace/rust/new/prompt");
        await page.GetByLabel("Text (Markdown)").FillAsync(markdown);
        return await PublishAsync(page);
    }

    /// <summary>Publishes the compose form filled on <paramref name="page"/>; returns the item's public address.</summary>
    protected static async Task<string> PublishAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await page.ArriveAtAsync("**/workspace/rust?published=**");
        return (await page.GetByRole(AriaRole.Link, new() { Name = "See it on the public page" }).GetAttributeAsync("href"))!;
    }

    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(250);
        }
        Assert.Fail($"Timed out waiting for: {what}");
    }
}
