using FediLearn.Testing;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>
/// The delivery dashboard (/admin/deliveries) against a real peer whose inbox answers 500: retrying a failed delivery
/// and abandoning one. Each test starts its own node, because each needs its own retry settings (WebAppTest's node has
/// the default 16 attempts).
/// </summary>
public sealed class AdminDeliveryTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private readonly List<IBrowserContext> _contexts = [];
    private NodeProcess? _node;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        if (_node is not null) await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_delivery_that_failed_with_500_is_retried_from_the_dashboard_and_arrives_signed()
    {
        // Two attempts one second apart, then the delivery is failed for good.
        var node = await StartNodeAsync(new() { ["FediLearn__Delivery__MaxAttempts"] = "2" });
        await using var remote = await FakeRemoteServer.StartAsync();
        var status = 500;
        remote.InboxStatus = _ => Volatile.Read(ref status);
        var admin = await AdminAsync(node);
        var group = await FollowAsync(node, remote);

        var failedRow = admin.Locator("tr", new() { HasText = remote.Origin });
        await EventuallyAsync(async () =>
        {
            await admin.GotoAsync("/admin/deliveries?tab=failed");
            return await failedRow.CountAsync() == 1;
        }, "the Accept to the peer is listed as failed");
        await Expect(failedRow).ToContainTextAsync("Accept");
        await Expect(failedRow).ToContainTextAsync("HTTP 500");
        await Expect(failedRow).ToContainTextAsync("failed");
        Assert.Equal([500, 500], remote.Received.Select(r => r.AnsweredWith));
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Retry all failed (1)" })).ToBeVisibleAsync();
        await ScreenshotAsync(admin, "41-admin-deliveries");
        await admin.GotoAsync("/admin/deliveries?tab=hosts");
        await Expect(admin.GetByRole(AriaRole.Row, new() { Name = new Uri(remote.Origin).Authority })).ToContainTextAsync("failing");

        Volatile.Write(ref status, 202);
        await admin.GotoAsync("/admin/deliveries?tab=failed");
        await failedRow.GetByRole(AriaRole.Button, new() { Name = "Retry delivery" }).ClickAsync();
        await admin.ArriveAtAsync("**/admin/deliveries?tab=failed");
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("queued again");

        var delivered = await remote.WaitForAsync(r => r.AnsweredWith == 202, TimeSpan.FromSeconds(30));
        Assert.Equal("Accept", delivered.Activity.Value<string>("type"));
        Assert.Equal(group, delivered.Activity.Value<string>("actor"));
        Assert.Contains($"keyId=\"{group}#main-key\"", delivered.Headers["Signature"]);
        await EventuallyAsync(async () =>
        {
            await admin.GotoAsync("/admin/deliveries?tab=failed");
            return await admin.GetByText("No failed deliveries.").CountAsync() == 1;
        }, "the failed list is empty again");
        await Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Deliveries by state" })).ToContainTextAsync("succeeded");
        await admin.GotoAsync("/admin/deliveries?tab=hosts");
        await Expect(admin.GetByText("Every server this node delivers to is answering.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_abandoned_delivery_is_never_sent_even_after_the_peer_recovers_and_its_host_is_revived()
    {
        // The first failure schedules the next attempt an hour away, so the delivery waits in the queue for the admin.
        var node = await StartNodeAsync(new()
        {
            ["FediLearn__Delivery__RetryBaseDelay"] = "01:00:00",
            ["FediLearn__Delivery__MaxRetryDelay"] = "01:00:00",
        });
        await using var remote = await FakeRemoteServer.StartAsync();
        var status = 500;
        remote.InboxStatus = _ => Volatile.Read(ref status);
        var admin = await AdminAsync(node);
        await FollowAsync(node, remote);

        var row = admin.Locator("tr", new() { HasText = remote.Origin });
        await EventuallyAsync(async () =>
        {
            await admin.GotoAsync("/admin/deliveries");
            return await row.CountAsync() == 1 && (await row.InnerTextAsync()).Contains("HTTP 500");
        }, "the Accept waits in the queue after a 500");
        await Expect(row).ToContainTextAsync("pending");
        await Expect(row).ToContainTextAsync("UTC"); // its next attempt
        await row.GetByRole(AriaRole.Button, new() { Name = "Abandon delivery" }).ClickAsync();
        await admin.ArriveAtAsync("**/admin/deliveries?tab=queued");
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is abandoned");
        await Expect(admin.GetByText("Nothing is waiting to be sent")).ToBeVisibleAsync();

        await admin.GotoAsync("/admin/deliveries?tab=abandoned");
        await Expect(row).ToContainTextAsync("abandoned");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Abandon delivery" })).ToHaveCountAsync(0);
        var abandonedId = (await row.Locator("td").First.InnerTextAsync()).Trim();

        Volatile.Write(ref status, 202);
        await admin.GotoAsync("/admin/deliveries?tab=hosts");
        var host = new Uri(remote.Origin).Authority;
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Revive {host}" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync($"{host} is no longer marked dead");
        await admin.GotoAsync("/admin/deliveries?tab=failed");
        await Expect(admin.GetByText("No failed deliveries.")).ToBeVisibleAsync();
        var token = await admin.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        var form = admin.Context.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token);
        form.Set("tab", "failed");
        var retryAll = await admin.Context.APIRequest.PostAsync("/admin/deliveries?handler=retryall", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(302, retryAll.Status);

        await Task.Delay(3000); // many poll intervals of the worker
        Assert.Equal([500], remote.Received.Select(r => r.AnsweredWith));
        await admin.GotoAsync("/admin/deliveries?tab=abandoned");
        await Expect(row).ToContainTextAsync("abandoned");

        // Abandoning it again, or an unknown id, is answered clearly, never with a 500.
        var again = admin.Context.APIRequest.CreateFormData();
        again.Set("__RequestVerificationToken", token);
        again.Set("id", abandonedId);
        var refused = await admin.Context.APIRequest.PostAsync("/admin/deliveries?handler=abandon", new() { Form = again, MaxRedirects = 0 });
        Assert.Equal(200, refused.Status);
        Assert.Contains("is already abandoned", await refused.TextAsync());
        again.Set("id", "999999");
        Assert.Equal(404, (await admin.Context.APIRequest.PostAsync("/admin/deliveries?handler=abandon", new() { Form = again, MaxRedirects = 0 })).Status);
        again.Set("id", "not-a-number");
        Assert.Equal(404, (await admin.Context.APIRequest.PostAsync("/admin/deliveries?handler=retry", new() { Form = again, MaxRedirects = 0 })).Status);
    }

    private async Task<NodeProcess> StartNodeAsync(Dictionary<string, string> settings) =>
        _node = await NodeProcess.StartAsync("admin-deliveries", settings: settings);

    /// <summary>The first admin through /setup, as WebAppTest.SetupFirstAdminAsync does, in a fresh browser profile.</summary>
    private async Task<IPage> AdminAsync(NodeProcess node)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = node.Origin, ViewportSize = new ViewportSize { Width = 1300, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/setup");
        await page.GetByLabel("Your name on this node").FillAsync("rosa");
        await page.GetByLabel("E-mail").FillAsync("rosa@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Password again").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin account" }).ClickAsync();
        await page.ArriveAtAsync("**/workspace**", 90_000); // a fresh node's first requests, as in WebAppTest
        return page;
    }

    /// <summary>The peer follows a new group; the group answers with an Accept delivered to the peer's inbox.</summary>
    private static async Task<string> FollowAsync(NodeProcess node, FakeRemoteServer remote)
    {
        var created = await node.CliAsync("groups", "add", "rust", "--title", "Rust study circle");
        Assert.True(created.ExitCode == 0, created.StdErr + created.StdOut);
        var group = $"{node.Origin}/g/rust";
        using var response = await remote.SendAsync($"{group}/inbox", remote.Follow(group));
        Assert.Equal(202, (int)response.StatusCode);
        return group;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(250);
        }
        Assert.Fail($"Timed out waiting for: {what}");
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(WebAppTest.ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebAppTest.ScreenshotFolder, name + ".png"), FullPage = true });
    }
}
