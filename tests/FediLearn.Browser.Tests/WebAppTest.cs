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

    public async Task InitializeAsync() => Node = await NodeProcess.StartAsync("web");

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        await Node.DisposeAsync();
    }

    /// <summary>A fresh browser profile (its own cookies), as a second person on another device would have.</summary>
    protected async Task<IPage> NewPageAsync(int width = 1100, int height = 800)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Node.Origin,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        // Generous: on a loaded 2-core CI machine a first page (Identity hashing, the first Razor compile) can take over 15 s.
        context.SetDefaultTimeout(30_000);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    protected static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    /// <summary>Goes through /setup as the person who installed the node does; ends logged in on the workspace.</summary>
    protected static async Task SetupFirstAdminAsync(IPage page, string name = "ana")
    {
        await page.GotoAsync("/setup");
        await page.GetByLabel("Your name on this node").FillAsync(name);
        await page.GetByLabel("E-mail").FillAsync($"{name}@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AdminPassword);
        await page.GetByLabel("Password again").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin account" }).ClickAsync();
        await page.WaitForURLAsync("**/workspace**", FirstRequests);
    }

    /// <summary>
    /// The first sign-ins of a freshly started node (account creation, the first workspace page) have taken over 30 s
    /// under a loaded CI box, twice, while every later step took seconds: they get more time than other steps.
    /// </summary>
    private static readonly PageWaitForURLOptions FirstRequests = new() { Timeout = 90_000 };

    protected static async Task LogInAsync(IPage page, string login, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Name or e-mail").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync("**/workspace**", FirstRequests);
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
