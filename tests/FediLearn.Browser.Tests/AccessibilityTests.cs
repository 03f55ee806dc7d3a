using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using FediLearn.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>
/// axe-core (WCAG 2 A and AA rules) on every kind of page a visitor or facilitator meets, with real content on them;
/// a serious or critical violation fails the test and is listed with its elements. Plus the keyboard path to Follow.
/// </summary>
public sealed class AccessibilityTests(ChromiumFixture chromium, ITestOutputHelper output) : GroupWorkspaceTest(chromium)
{
    [Fact]
    public async Task Public_and_workspace_pages_have_no_serious_or_critical_axe_violations()
    {
        var visitor = await NewPageAsync();
        var problems = new List<string>();
        // /setup exists only until the first admin does.
        await CheckAsync(visitor, "/setup", problems);

        var ana = await FacilitatorAsync();
        var day = DateTime.UtcNow.Date.AddDays(14);
        var session = await PublicPagesTests.PublishSessionAsync(ana, "Traits clinic", day.AddHours(16), day.AddHours(17), "Europe/Amsterdam");
        var prompt = await PublishPromptAsync(ana, "What confused you most about **traits**?");

        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        var noteId = $"{remote.Origin}/users/mia/statuses/1";
        var reply = remote.MastodonReply("mia", noteId, prompt, group, $"@rust@{Node.Authority}", "<p>Trait objects versus generics!</p>");
        using (var response = await remote.SendAsync($"{Node.Origin}/inbox", reply)) Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(async () => (await visitor.GotoAsync(prompt))!.Ok && await visitor.GetByText("Trait objects versus generics!").CountAsync() > 0, "the reply on the prompt's page");

        foreach (var path in new[] { "/", "/g/rust", session, prompt, "/g/rust/prompts", "/g/rust/sessions", "/g/nope", "/login" })
            await CheckAsync(visitor, path, problems);
        var promptId = prompt.Split('/').Last();
        foreach (var path in new[] { "/workspace", "/workspace/rust", "/workspace/rust/settings", "/workspace/rust/facilitators/ana/remove", "/workspace/rust/new/session", $"/workspace/rust/prompts/{promptId}", $"/workspace/rust/items/{session.Split('/').Last()}/replies" })
            await CheckAsync(ana, path, problems);

        Assert.True(problems.Count == 0, "axe found serious or critical violations:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task Keyboard_reaches_the_follow_field_and_its_button_with_visible_focus()
    {
        var group = await Node.CliAsync("groups", "add", "rust", "--title", "Rust study circle");
        Assert.True(group.ExitCode == 0, group.StdErr + group.StdOut);
        var page = await NewPageAsync(390, 844);
        await page.GotoAsync("/g/rust");

        async Task<string?> TabUntilAsync(string id)
        {
            for (var i = 0; i < 40; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                var focused = await page.EvaluateAsync<string?>("document.activeElement && (document.activeElement.id || document.activeElement.textContent)");
                if (focused == id) return focused;
            }
            return null;
        }

        Assert.Equal("follow-handle", await TabUntilAsync("follow-handle"));
        await AssertFocusVisibleAsync(page);
        await page.Keyboard.TypeAsync("not a handle");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Follow", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await AssertFocusVisibleAsync(page);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#follow-handle-error")).ToBeVisibleAsync();
    }

    private static async Task AssertFocusVisibleAsync(IPage page)
    {
        var outline = await page.EvaluateAsync<string>("(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; })()");
        Assert.False(outline.StartsWith("none", StringComparison.Ordinal) || outline.EndsWith(" 0px", StringComparison.Ordinal), $"no visible focus outline: {outline}");
    }

    private async Task CheckAsync(IPage page, string path, List<string> problems)
    {
        var response = await page.GotoAsync(path);
        Assert.Equal(path == "/g/nope" ? 404 : 200, response!.Status); // the page itself, not an error page in its place
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        Assert.True(result.Passes.Length > 0, $"axe checked nothing on {path}");
        foreach (var violation in result.Violations)
            foreach (var node in violation.Nodes)
            {
                var line = $"{path}: {violation.Id} ({violation.Impact}) {violation.Help} at {node.Target}: {node.Html}";
                output.WriteLine(line); // moderate and minor ones too, for whoever improves the page next
                if (violation.Impact is "serious" or "critical") problems.Add(line);
            }
    }
}
