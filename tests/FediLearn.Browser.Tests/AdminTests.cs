using FediLearn.Testing;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>The admin pages: overview, domain blocks against a real signed peer, reports (node-wide and per group), and
/// who may open or post to them. The delivery dashboard's flows are in AdminDeliveryTests (they need their own node settings).</summary>
public sealed class AdminTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    private static readonly string[] AdminPages = ["/admin", "/admin/invitations", "/admin/domains", "/admin/reports", "/admin/deliveries", "/admin/deliveries?tab=hosts"];

    private static readonly string[] AdminPosts =
    [
        "/admin/domains", "/admin/domains?handler=unblock", "/admin/reports?handler=resolve", "/admin/deliveries?handler=retry",
        "/admin/deliveries?handler=abandon", "/admin/deliveries?handler=retryall", "/admin/deliveries?handler=revive",
    ];

    [Fact]
    public async Task The_overview_shows_the_settings_and_counts_and_links_every_admin_page()
    {
        await FacilitatorAsync();
        var rosa = await NewPageAsync();
        await LogInAsync(rosa, "rosa", AdminPassword);

        await rosa.GetByRole(AriaRole.Navigation, new() { Name = "Account" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await rosa.ArriveAtAsync("**/admin");
        await Expect(rosa.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Admin");
        await Expect(Row(rosa, "Name")).ToContainTextAsync($"Test node web");
        await Expect(Row(rosa, "Domain (in handles)")).ToContainTextAsync(Node.Authority);
        await Expect(Row(rosa, "Data folder")).ToContainTextAsync(Node.DataPath);
        await Expect(Row(rosa, "Deliveries sent at once")).ToContainTextAsync("16");
        await Expect(Row(rosa, "Accounts")).ToContainTextAsync("2");
        await Expect(Row(rosa, "Groups")).ToContainTextAsync("1");
        await Expect(Row(rosa, "Version")).ToContainTextAsync("FediLearn");
        await Expect(rosa.Locator("h1")).ToHaveCountAsync(1);
        await ScreenshotAsync(rosa, "40-admin");

        foreach (var (link, heading) in new[] { ("Invitations", "Invitations"), ("Domain blocks", "Domain blocks"), ("Reports", "Reports"), ("Deliveries", "Deliveries") })
        {
            await rosa.GotoAsync("/admin");
            await rosa.GetByRole(AriaRole.Navigation, new() { Name = "Admin pages" }).GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync();
            await Expect(rosa.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(heading);
        }
        await Expect(rosa.GetByText("Nothing is waiting to be sent")).ToBeVisibleAsync();
        await Expect(rosa.GetByText("No incoming activity failed.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Blocking_a_domain_on_the_page_refuses_its_signed_requests_until_it_is_unblocked()
    {
        await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var rosa = await NewPageAsync();
        await LogInAsync(rosa, "rosa", AdminPassword);
        await rosa.GotoAsync("/admin/domains");
        await Expect(rosa.GetByText("No domain is blocked.")).ToBeVisibleAsync();

        await rosa.GetByLabel("Domain", new() { Exact = true }).FillAsync("https://spam.example/users");
        await rosa.GetByRole(AriaRole.Button, new() { Name = "Block domain" }).ClickAsync();
        await Expect(rosa.Locator("#f-domain-error")).ToContainTextAsync("is not a domain name");
        await Expect(rosa.GetByLabel("Domain", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        var host = new Uri(remote.Origin).Host; // 127.0.0.1: the peer's key id is on it
        await rosa.GetByLabel("Domain", new() { Exact = true }).FillAsync(host);
        await rosa.GetByLabel("Reason (optional)").FillAsync("Test spam wave");
        await rosa.GetByRole(AriaRole.Button, new() { Name = "Block domain" }).ClickAsync();
        await Expect(rosa.GetByRole(AriaRole.Status)).ToContainTextAsync($"Blocked {host}");
        var row = rosa.GetByRole(AriaRole.Row, new() { Name = host });
        await Expect(row).ToContainTextAsync("Test spam wave");
        await Expect(row).ToContainTextAsync("UTC");
        await ScreenshotAsync(rosa, "43-admin-domains");

        await rosa.GetByLabel("Domain", new() { Exact = true }).FillAsync(host.ToUpperInvariant());
        await rosa.GetByRole(AriaRole.Button, new() { Name = "Block domain" }).ClickAsync();
        await Expect(rosa.Locator("#f-domain-error")).ToContainTextAsync($"{host} is already blocked");

        var group = $"{Node.Origin}/g/rust";
        using (var refused = await remote.SendAsync($"{group}/inbox", remote.Follow(group))) Assert.Equal(403, (int)refused.StatusCode);
        var list = await Node.CliAsync("domains", "list");
        Assert.True(list.ExitCode == 0, list.StdErr);
        Assert.Contains($"{host} Test spam wave", list.StdOut);

        await rosa.GotoAsync("/admin/domains");
        await rosa.GetByRole(AriaRole.Button, new() { Name = $"Unblock {host}" }).ClickAsync();
        await Expect(rosa.GetByRole(AriaRole.Status)).ToContainTextAsync($"Unblocked {host}");
        await Expect(rosa.GetByText("No domain is blocked.")).ToBeVisibleAsync();
        using (var accepted = await remote.SendAsync($"{group}/inbox", remote.Follow(group))) Assert.Equal(202, (int)accepted.StatusCode);
        Assert.DoesNotContain(host, (await Node.CliAsync("domains", "list")).StdOut);
    }

    [Fact]
    public async Task Reports_are_listed_open_first_and_resolved_by_an_admin_or_the_groups_facilitator_only()
    {
        var ana = await FacilitatorAsync();
        await AddUserWithCliAsync("bo", "bo's long password");
        var go = await Node.CliAsync("groups", "add", "go", "--title", "Go gophers", "--facilitator", "bo");
        Assert.True(go.ExitCode == 0, go.StdErr + go.StdOut);
        await using var remote = await FakeRemoteServer.StartAsync();
        await SendFlagAsync(remote, "Spam links in every reply", $"{Node.Origin}/g/rust", remote.Actor("spammer"));
        await SendFlagAsync(remote, "Impersonates a gopher", $"{Node.Origin}/g/go");
        await SendFlagAsync(remote, "This whole node hosts spam", remote.Actor("spammer"));

        var rosa = await NewPageAsync();
        await LogInAsync(rosa, "rosa", AdminPassword);
        await EventuallyAsync(async () =>
        {
            await rosa.GotoAsync("/admin/reports");
            return await rosa.Locator("article.report").CountAsync() == 3;
        }, "three reports on /admin/reports");
        await Expect(rosa.GetByRole(AriaRole.Heading, new() { Name = "Open (3)" })).ToBeVisibleAsync();
        var nodeReport = rosa.Locator("article.report", new() { HasText = "This whole node hosts spam" });
        await Expect(nodeReport).ToContainTextAsync("this node's admins (the instance actor)");
        await Expect(nodeReport).ToContainTextAsync("UTC");
        await Expect(nodeReport.GetByRole(AriaRole.Link, new() { Name = remote.Actor("spammer") })).ToBeVisibleAsync();
        var rustReport = rosa.Locator("article.report", new() { HasText = "Spam links in every reply" });
        await Expect(rustReport.GetByRole(AriaRole.Link, new() { Name = "Rust study circle" })).ToBeVisibleAsync();
        await Expect(rustReport).ToContainTextAsync(remote.ActorId);
        await ScreenshotAsync(rosa, "42-admin-reports");

        await nodeReport.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await rosa.ArriveAtAsync("**/admin/reports");
        await Expect(rosa.GetByRole(AriaRole.Status)).ToContainTextAsync("The report is resolved");
        await Expect(rosa.GetByRole(AriaRole.Heading, new() { Name = "Open (2)" })).ToBeVisibleAsync();
        await Expect(rosa.GetByRole(AriaRole.Heading, new() { Name = "Resolved (1)" })).ToBeVisibleAsync();
        var ids = await ReportIdsAsync(rosa);

        // ana sees only her group's report, resolves it, and cannot touch go's report, not even by posting its id.
        await ana.GotoAsync("/workspace/rust/reports");
        await Expect(ana.Locator("article.report")).ToHaveCountAsync(1);
        await Expect(ana.GetByText("Impersonates a gopher")).ToHaveCountAsync(0);
        var token = await AntiforgeryTokenAsync(ana);
        var other = await PostFormAsync(ana, "/workspace/rust/reports?handler=resolve", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["id"] = ids["Impersonates a gopher"],
        });
        Assert.Equal(404, other.Status);
        var forbidden = await PostFormAsync(ana, "/workspace/go/reports?handler=resolve", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["id"] = ids["Impersonates a gopher"],
        });
        Assert.Equal(403, forbidden.Status);
        await ana.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/reports");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("The report is resolved");
        await Expect(ana.GetByText("Nothing to handle.")).ToBeVisibleAsync();
        await ana.GotoAsync("/workspace/rust/moderation");
        var logged = ana.GetByRole(AriaRole.Row, new() { Name = "resolve-report" });
        await Expect(logged).ToContainTextAsync("ana");

        await rosa.GotoAsync("/admin/reports");
        await Expect(rosa.GetByRole(AriaRole.Heading, new() { Name = "Open (1)" })).ToBeVisibleAsync();
        await Expect(rosa.Locator("article.report", new() { HasText = "Impersonates a gopher" })).ToContainTextAsync("Open");
        var unknown = await PostFormAsync(rosa, "/admin/reports?handler=resolve", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(rosa), ["id"] = "999999",
        });
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async Task A_member_and_a_facilitator_get_403_and_a_visitor_the_login_page_for_every_admin_page_and_post()
    {
        await FacilitatorAsync();
        await AddUserWithCliAsync("bo", "bo's long password");
        var go = await Node.CliAsync("groups", "add", "go", "--title", "Go gophers", "--facilitator", "bo");
        Assert.True(go.ExitCode == 0, go.StdErr + go.StdOut);
        await AddUserWithCliAsync("cy", "cy's long password");
        string[] fields = ["Domain", "Reason", "domain", "id", "host", "tab"];

        foreach (var (name, password) in new[] { ("bo", "bo's long password"), ("cy", "cy's long password") })
        {
            var page = await NewPageAsync();
            await LogInAsync(page, name, password);
            foreach (var path in AdminPages.Append("/workspace/rust/reports"))
            {
                var response = await page.GotoAsync(path);
                Assert.True(response!.Status == 403, $"{name} GET {path}: {response.Status}");
            }
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
            await page.GotoAsync("/workspace");
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Account" }).GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
            var token = await AntiforgeryTokenAsync(page);
            foreach (var path in AdminPosts.Append("/workspace/rust/reports?handler=resolve"))
            {
                var post = await PostFormAsync(page, path, fields.ToDictionary(f => f, _ => "1").Append(new("__RequestVerificationToken", token)).ToDictionary());
                Assert.True(post.Status == 403, $"{name} POST {path}: {post.Status}");
            }
        }

        var visitor = await NewPageAsync();
        foreach (var path in AdminPages.Append("/workspace/rust/reports"))
        {
            await visitor.GotoAsync(path);
            Assert.Contains("/login?ReturnUrl=", visitor.Url);
        }
        await visitor.GotoAsync("/login");
        var visitorToken = await AntiforgeryTokenAsync(visitor);
        foreach (var path in AdminPosts.Append("/workspace/rust/reports?handler=resolve"))
        {
            var post = await PostFormAsync(visitor, path, new Dictionary<string, string> { ["__RequestVerificationToken"] = visitorToken, ["id"] = "1" });
            Assert.True(post.Status == 302 && post.Headers["location"].Contains("/login"), $"visitor POST {path}: {post.Status}");
        }
        var domains = await Node.CliAsync("domains", "list");
        Assert.True(domains.ExitCode == 0 && !domains.StdOut.Contains('1'), domains.StdOut); // no block was made by the posts above
    }

    /// <summary>The row of a settings table whose header cell says exactly this.</summary>
    private static ILocator Row(IPage page, string header) =>
        page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = header, Exact = true }) });

    private async Task SendFlagAsync(FakeRemoteServer remote, string comment, params string[] objects)
    {
        var flag = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{remote.Origin}/{Guid.NewGuid()}",
            ["type"] = "Flag",
            ["actor"] = remote.ActorId,
            ["content"] = comment,
            ["object"] = new JArray(objects),
        };
        using var response = await remote.SendAsync($"{Node.Origin}/inbox", flag);
        Assert.Equal(202, (int)response.StatusCode);
    }

    /// <summary>Each report card's id (from its Resolve form, or its aria-label) by the comment it carries.</summary>
    private static async Task<Dictionary<string, string>> ReportIdsAsync(IPage page)
    {
        var ids = new Dictionary<string, string>();
        foreach (var card in await page.Locator("article.report").AllAsync())
        {
            var label = (await card.GetAttributeAsync("aria-label"))!; // "Report 7"
            var text = await card.InnerTextAsync();
            foreach (var comment in new[] { "Spam links in every reply", "Impersonates a gopher", "This whole node hosts spam" })
                if (text.Contains(comment)) ids[comment] = label.Split(' ')[1];
        }
        return ids;
    }
}
