using FediLearn.Testing;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>Issue 5: the newcomer's path without the CLI (setup → a group from a lane → a published session on the group
/// page), the group's settings reaching a follower's server, and in-app notifications.</summary>
public sealed class LaneTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    [Fact]
    public async Task A_newcomer_goes_from_setup_to_a_published_session_on_the_group_page_without_the_CLI()
    {
        var admin = await NewPageAsync();
        await SetupFirstAdminAsync(admin, "rosa");
        await Expect(admin.GetByText("No groups yet.")).ToBeVisibleAsync();

        await admin.GetByLabel("Short name").FillAsync("pottery");
        await admin.GetByLabel("Title").FillAsync("Pottery for beginners");
        await admin.GetByLabel("Course cohort").CheckAsync();
        await admin.GetByLabel("Default timezone").FillAsync("Europe/Amsterdam");
        await ScreenshotAsync(admin, "50-create-group-lanes");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await admin.ArriveAtAsync("**/workspace?created=pottery");
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("was created");

        await admin.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await admin.ArriveAtAsync("**/workspace/pottery");
        await admin.GotoAsync("/workspace/pottery/new/session");
        await Expect(admin.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Amsterdam"); // the group's default zone
        var day = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd");
        await admin.GetByLabel("Title").FillAsync("Wheel throwing, first try");
        await admin.GetByLabel("Starts").FillAsync($"{day}T18:30");
        await admin.GetByLabel("Ends").FillAsync($"{day}T20:00");
        await admin.GetByLabel("Join link (optional if there is a place)").FillAsync("https://meet.example/pottery");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await admin.ArriveAtAsync("**/workspace/pottery?published=**");

        var visitor = await NewPageAsync(390, 844);
        await visitor.GotoAsync("/g/pottery");
        await Expect(visitor.GetByRole(AriaRole.Link, new() { Name = "Wheel throwing, first try" })).ToBeVisibleAsync();
        await Expect(visitor.GetByText("How this cohort works").First).ToBeVisibleAsync(); // the lane's first item
        await Expect(visitor.GetByText("(Europe/Amsterdam)").First).ToBeVisibleAsync();
        await ScreenshotAsync(visitor, "51-newcomer-group-page-phone");
    }

    [Fact]
    public async Task Saving_the_settings_sends_the_new_profile_to_a_followers_server_and_bad_values_are_shown_beside_their_fields()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));

        await ana.GotoAsync("/workspace/rust/settings");
        await ana.GetByLabel("Default timezone").FillAsync("Mars/Olympus");
        await ana.GetByLabel("Title").FillAsync("");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(ana.Locator("#f-title-error")).ToContainTextAsync("title");
        await Expect(ana.Locator("#f-timezone-error")).ToContainTextAsync("IANA");
        await Expect(ana.GetByLabel("Default timezone")).ToHaveAttributeAsync("aria-invalid", "true");

        await ana.GetByLabel("Title").FillAsync("Rust reading circle");
        await ana.GetByLabel("Default timezone").FillAsync("America/New_York");
        await ana.GetByLabel("Who may reply in the group's threads").SelectOptionAsync("facilitators");
        await ana.GetByLabel("New icon (optional)").SetInputFilesAsync(new FilePayload { Name = "icon.png", MimeType = "image/png", Buffer = TinyPng });
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/settings?saved=1");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        await Expect(ana.GetByLabel("Default timezone")).ToHaveValueAsync("America/New_York");
        await ScreenshotAsync(ana, "52-group-settings");

        var update = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Update", TimeSpan.FromSeconds(60));
        var actor = (JObject)update.Activity["object"]!;
        Assert.Equal((group, "Rust reading circle", true), (actor.Value<string>("id"), actor.Value<string>("name"), actor.Value<bool>("postingRestrictedToMods")));
        var icon = actor["icon"]!.Value<string>("url")!;
        Assert.StartsWith($"{Node.Origin}/media/", icon);
        Assert.Equal("image/png", actor["icon"]!.Value<string>("mediaType"));
        using var http = new HttpClient();
        Assert.Equal(TinyPng, await http.GetByteArrayAsync(icon));
    }

    [Fact]
    public async Task A_follow_request_shows_as_a_new_notification_until_marked_read()
    {
        var ana = await FacilitatorAsync(approval: true);
        await ana.GotoAsync("/workspace/notifications");
        await Expect(ana.GetByText("Nothing new in your groups.")).ToBeVisibleAsync();

        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{Node.Origin}/g/rust/inbox", remote.Follow($"{Node.Origin}/g/rust"))).Dispose();
        await EventuallyAsync(async () =>
        {
            await ana.GotoAsync("/workspace");
            return await ana.GetByRole(AriaRole.Link, new() { Name = "Notifications (1 new)" }).CountAsync() > 0;
        }, "the header counts one new notification");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Notifications (1 new)" }).ClickAsync();
        await Expect(ana.GetByText("asks to follow the group")).ToBeVisibleAsync();
        await Expect(ana.GetByText("New", new() { Exact = true })).ToBeVisibleAsync();
        await ScreenshotAsync(ana, "53-notifications");

        await ana.GetByRole(AriaRole.Button, new() { Name = "Mark all as read" }).ClickAsync();
        await Expect(ana.GetByText("0 unread.")).ToBeVisibleAsync();
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Notifications", Exact = true })).ToBeVisibleAsync();

        // Another group's facilitator hears nothing of it.
        await AddUserWithCliAsync("bo", "bo's long password");
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", "bo's long password");
        await bo.GotoAsync("/workspace/notifications");
        await Expect(bo.GetByText("You do not facilitate a group yet")).ToBeVisibleAsync();
    }

    /// <summary>A valid 1×1 PNG.</summary>
    private static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
}
