using System.Globalization;
using FediLearn.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>The public pages a visitor sees without an account: home, a group, a session, following from elsewhere, not found.</summary>
public sealed class PublicPagesTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    private readonly ChromiumFixture _chromium = chromium;

    [Fact]
    public async Task Follow_form_sends_the_visitor_to_their_servers_follow_dialog_for_the_group()
    {
        await AddGroupAsync();
        await using var peer = await WebFingerPeer.StartAsync();
        var expected = $"{peer.Origin}/authorize_interaction?uri=" + Uri.EscapeDataString($"rust@{Node.Authority}");

        var page = await NewPageAsync();
        var redirect = await page.Context.APIRequest.GetAsync($"/g/rust/follow?handle={Uri.EscapeDataString(peer.Handle)}", new() { MaxRedirects = 0 });
        Assert.Equal(302, redirect.Status);
        Assert.Equal(expected, redirect.Headers["location"]);

        // In the browser, as a visitor does it: type the handle without the leading @, press Follow, land on their server.
        await page.GotoAsync("/g/rust");
        await page.GetByLabel("Your fediverse handle").FillAsync(peer.Handle.TrimStart('@'));
        await page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync();
        await page.ArriveAtAsync(peer.Origin + "/**");
        Assert.Equal(expected, page.Url);
        await Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync($"Follow rust@{Node.Authority}?");

        // A server that publishes no template but knows the account: its authorize_interaction with the group's actor URL.
        peer.WithTemplate = false;
        var fallback = await page.Context.APIRequest.GetAsync($"/g/rust/follow?handle={Uri.EscapeDataString(peer.Handle)}", new() { MaxRedirects = 0 });
        Assert.Equal(302, fallback.Status);
        Assert.Equal($"{peer.Origin}/authorize_interaction?uri=" + Uri.EscapeDataString($"{Node.Origin}/g/rust"), fallback.Headers["location"]);
    }

    [Fact]
    public async Task A_handle_that_cannot_be_used_is_explained_beside_the_field_with_400()
    {
        await AddGroupAsync();
        await using var peer = await WebFingerPeer.StartAsync();
        var page = await NewPageAsync();
        await page.GotoAsync("/g/rust");
        var field = page.GetByLabel("Your fediverse handle");

        async Task<IResponse> SubmitAsync(string handle)
        {
            await field.FillAsync(handle);
            return await page.RunAndWaitForResponseAsync(
                () => page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync(),
                r => r.Url.Contains("/g/rust/follow", StringComparison.Ordinal));
        }

        foreach (var (handle, message) in new[]
        {
            ("", "Enter your fediverse handle"),
            ("not a handle", "That is not a fediverse handle"),
            ($"@nobody@{peer.Authority}", $"{peer.Authority} does not know the account nobody@{peer.Authority}"),
            ("@you@127.0.0.1:1", "Could not reach 127.0.0.1:1"),
        })
        {
            var response = await SubmitAsync(handle);
            Assert.Equal(400, response.Status);
            await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(field).ToHaveValueAsync(handle);
            await Expect(page.Locator("#follow-handle-error")).ToContainTextAsync(message);
            Assert.Contains("follow-handle-error", await field.GetAttributeAsync("aria-describedby"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Rust study circle");
        }
        await ScreenshotAsync(page, "30-public-follow-error");
    }

    [Fact]
    public async Task A_node_that_refuses_private_addresses_says_so_beside_the_field()
    {
        await using var strict = await NodeProcess.StartAsync("strict", settings: new Dictionary<string, string> { ["FediLearn__Federation__AllowPrivateAddresses"] = "false" });
        var group = await strict.CliAsync("groups", "add", "rust", "--title", "Rust study circle");
        Assert.True(group.ExitCode == 0, group.StdErr + group.StdOut);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{strict.Origin}/g/rust/follow?handle={Uri.EscapeDataString("@you@127.0.0.1:9")}");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await http.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("127.0.0.1:9 is a private network address", html);
        Assert.Contains("aria-invalid=\"true\"", html);
    }

    [Fact]
    public async Task Sessions_show_their_own_zone_UTC_and_the_viewers_time()
    {
        var ana = await FacilitatorAsync();
        var day = DateTime.UtcNow.Date.AddDays(30);
        var session = await PublishSessionAsync(ana, "Borrow checker clinic", day.AddHours(16.5), day.AddHours(18), "Asia/Tokyo");
        var startUtc = day.AddHours(16.5 - 9);
        var ny = TimeZoneInfo.ConvertTimeFromUtc(startUtc, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        var own = $"{day.ToString("ddd d MMMM yyyy", CultureInfo.InvariantCulture)}, 16:30–18:00 JST (Asia/Tokyo)";

        var context = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Node.Origin, TimezoneId = "America/New_York", Locale = "en-US" });
        try
        {
            var page = await context.NewPageAsync();
            foreach (var path in new[] { "/g/rust", session })
            {
                await page.GotoAsync(path);
                await Expect(page.GetByText(own).First).ToBeVisibleAsync();
                var mine = page.Locator(".your-time").First;
                await Expect(mine).ToContainTextAsync("Your time:");
                await Expect(mine).ToContainTextAsync(ny.ToString("h:mm", CultureInfo.InvariantCulture) + " ");
                await Expect(mine).ToContainTextAsync("(America/New_York)");
                await Expect(page.Locator($"time[datetime=\"{startUtc:yyyy-MM-ddTHH:mm:ssZ}\"]").First).ToBeVisibleAsync();
            }
        }
        finally { await context.CloseAsync(); }

        // In the session's own zone nothing is added; without JavaScript the UTC time is there instead.
        var tokyo = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Node.Origin, TimezoneId = "Asia/Tokyo" });
        var noScript = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Node.Origin, JavaScriptEnabled = false });
        try
        {
            var page = await tokyo.NewPageAsync();
            await page.GotoAsync(session);
            await Expect(page.GetByText(own)).ToBeVisibleAsync();
            await Expect(page.Locator(".your-time")).ToHaveCountAsync(0);
            var plain = await noScript.NewPageAsync();
            await plain.GotoAsync(session);
            await Expect(plain.Locator(".viewer-time")).ToContainTextAsync($"UTC: {startUtc.ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture)}");
            await Expect(plain.Locator(".your-time")).ToHaveCountAsync(0);
        }
        finally
        {
            await tokyo.CloseAsync();
            await noScript.CloseAsync();
        }
    }

    [Fact]
    public async Task Unknown_pages_answer_a_readable_404_for_browsers_and_JSON_for_ActivityPub()
    {
        await AddGroupAsync();
        var page = await NewPageAsync();
        foreach (var path in new[] { "/g/nope", "/u/nobody", "/g/rust/prompts/999", "/no/such/page" })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(404, response!.Status);
            Assert.StartsWith("text/html", response.Headers["content-type"]);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not found");
            await Expect(page.Locator("main a[href='/']")).ToBeVisibleAsync();
        }
        var json = await page.Context.APIRequest.GetAsync("/g/nope", new() { Headers = new Dictionary<string, string> { ["Accept"] = "application/activity+json" } });
        Assert.Equal(404, json.Status);
        Assert.StartsWith("application/json", json.Headers["content-type"]);
        await ScreenshotAsync(page, "31-public-not-found");
    }

    [Fact]
    public async Task Home_group_and_session_pages_read_well_on_a_phone_and_a_desktop()
    {
        var ana = await FacilitatorAsync();
        var day = DateTime.UtcNow.Date.AddDays(20);
        var session = await PublishSessionAsync(ana, "Lifetimes walkthrough", day.AddHours(17), day.AddHours(18.5), "Europe/Amsterdam");
        await PublishPromptAsync(ana, "Which **lifetime** error puzzled you this week?");

        foreach (var (width, suffix) in new[] { (390, "phone"), (1280, "desktop") })
        {
            var page = await NewPageAsync(width, 844);
            await page.GotoAsync("/");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Test node web");
            var group = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Rust study circle" });
            await Expect(group).ToContainTextAsync($"@rust@{Node.Authority}");
            await Expect(group).ToContainTextAsync("0 followers");
            await Expect(group).ToContainTextAsync("Next session: Lifetimes walkthrough");
            await Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"32-public-home-{suffix}");

            await group.GetByRole(AriaRole.Link, new() { Name = "Rust study circle" }).ClickAsync();
            await page.ArriveAtAsync("**/g/rust");
            foreach (var heading in new[] { "Upcoming sessions", "Latest prompts", "Latest posts", "Library", "Past sessions", "Calendar and feed" })
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 2 })).ToBeVisibleAsync();
            await Expect(page.GetByText("No posts yet.")).ToBeVisibleAsync();
            await Expect(page.GetByText("The library is empty.")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Which lifetime error puzzled you this week?" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sessions calendar (.ics)" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Atom feed" })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"33-public-group-{suffix}");

            await page.GotoAsync(session);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Lifetimes walkthrough");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Add to calendar (.ics)" })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"34-public-session-{suffix}");
            // Nothing overflows sideways on a phone.
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"horizontal scroll at {width}px");
        }
    }

    private async Task AddGroupAsync()
    {
        var group = await Node.CliAsync("groups", "add", "rust", "--title", "Rust study circle", "--summary", "We read the Rust book together.");
        Assert.True(group.ExitCode == 0, group.StdErr + group.StdOut);
    }

    /// <summary>Publishes a session through the compose page; returns its public address.</summary>
    internal static async Task<string> PublishSessionAsync(IPage page, string title, DateTime startLocal, DateTime endLocal, string zone)
    {
        await page.GotoAsync("/workspace/rust/new/session");
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Starts").FillAsync(startLocal.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByLabel("Ends").FillAsync(endLocal.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByLabel("Time zone").SelectOptionAsync(zone); // a select of IANA zones since the shared compose form
        await page.GetByLabel("Join link (optional if there is a place)").FillAsync("https://meet.example/rust");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await page.ArriveAtAsync("**/workspace/rust?published=**");
        return (await page.GetByRole(AriaRole.Link, new() { Name = "See it on the public page" }).GetAttributeAsync("href"))!;
    }
}
