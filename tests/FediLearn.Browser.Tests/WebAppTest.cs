using System.Diagnostics;
using FediLearn.Testing;
using Microsoft.Playwright;

namespace FediLearn.Browser.Tests;

/// <summary>Each test gets its own FediLearn process (its own empty database) and opens browser contexts against it.</summary>
public abstract class WebAppTest(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    public const string AdminPassword = "correct horse battery";
    private readonly List<IBrowserContext> _contexts = [];

    protected NodeProcess Node { get; private set; } = null!;

    /// <summary>Where the screenshots go: bin/&lt;Configuration&gt;/net10.0/screenshots/ next to the test assembly (docs/web.md).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    // Request lines (path, status, duration) in the node's log, which a failed first sign-in quotes.
    public async Task InitializeAsync() => Node = await NodeProcess.StartAsync("web", settings: new Dictionary<string, string>
    {
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    });

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        await Node.DisposeAsync();
    }

    /// <summary>
    /// Every wait's time-out unless a test says otherwise. Generous: on a loaded 2-core CI machine a first page (Identity
    /// hashing, the first Razor compile) can take over 15 s.
    /// </summary>
    public const float DefaultTimeoutMs = 30_000;

    /// <summary>A fresh browser profile (its own cookies), as a second person on another device would have.</summary>
    protected async Task<IPage> NewPageAsync(int width = 1100, int height = 800)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Node.Origin,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(DefaultTimeoutMs);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    protected static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    /// <summary>Goes through /setup as the person who installed the node does; ends logged in on the workspace.</summary>
    protected async Task SetupFirstAdminAsync(IPage page, string name = "ana")
    {
        await page.GotoAsync("/setup");
        await page.GetByLabel("Your name on this node").FillAsync(name);
        await page.GetByLabel("E-mail").FillAsync($"{name}@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AdminPassword);
        await page.GetByLabel("Password again").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin account" }).ClickAsync();
        await ArriveAtWorkspaceAsync(page, "the first admin's setup");
    }

    /// <summary>
    /// The first sign-ins of a freshly started node (account creation, the first workspace page) are its slowest steps
    /// on a loaded CI box (1.5-2.4 s per request in one such log, against a tenth of that later): they get more time
    /// than other steps. The 90 s time-outs seen here were a missed "load" event, not a slow node (PageArrival).
    /// </summary>
    private const float FirstRequestsTimeout = 90_000;

    protected async Task LogInAsync(IPage page, string login, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Name or e-mail").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await ArriveAtWorkspaceAsync(page, $"{login}'s sign-in");
    }

    /// <summary>
    /// Waits for the redirect to the workspace (<see cref="PageArrival.ArriveAtAsync"/>, which says why not for the
    /// "load" event), then for the page signed in: its heading and the Log out button. A time-out says where the page
    /// stood and ends with the node's log, request lines included, so a stall can be placed.
    /// </summary>
    private async Task ArriveAtWorkspaceAsync(IPage page, string step)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await page.ArriveAtAsync("**/workspace**", FirstRequestsTimeout);
            await page.GetByRole(AriaRole.Heading, new() { Name = "Workspace", Level = 1 }).WaitForAsync(new() { Timeout = FirstRequestsTimeout });
            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).WaitForAsync(new() { Timeout = FirstRequestsTimeout });
        }
        catch (TimeoutException e)
        {
            var evaluate = page.EvaluateAsync<string>("document.readyState");
            var readyState = await Task.WhenAny(evaluate, Task.Delay(5_000)) == evaluate && evaluate.IsCompletedSuccessfully ? evaluate.Result : "(no answer in 5 s)";
            var log = Node.Output.Split('\n');
            throw new TimeoutException(
                $"{step}: no signed-in workspace page after {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; the page is at {page.Url}, " +
                $"document.readyState {readyState}. The node's log ends:\n{string.Join('\n', log[Math.Max(0, log.Length - 80)..])}", e);
        }
    }

    /// <summary>A member account made with the admin CLI (password on standard input).</summary>
    protected async Task AddUserWithCliAsync(string name, string password, string role = "member")
    {
        var result = await Node.CliWithInputAsync(password + "\n", "users", "add", name, "--email", $"{name}@example.org", "--role", role);
        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
    }

    /// <summary>The antiforgery token the page carries (every page with a form has one, e.g. the logout button).</summary>
    protected static Task<string> AntiforgeryTokenAsync(IPage page) =>
        page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();

    /// <summary>A POST from the same browser profile (its cookies), without following redirects.</summary>
    protected static async Task<IAPIResponse> PostFormAsync(IPage page, string path, IDictionary<string, string> fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (key, value) in fields) form.Set(key, value);
        return await page.Context.APIRequest.PostAsync(path, new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
    }
}
