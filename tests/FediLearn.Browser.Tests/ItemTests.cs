using System.Globalization;
using FediLearn.Testing;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>
/// The items a group wrote: listing, editing (Update to followers), deleting (Delete, then 410), the attendees of a
/// session (approve a pending Join from another server: Accept{Join}), and unbanning, checked in the browser against a
/// fake remote server that receives the signed deliveries.
/// </summary>
public sealed class ItemTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    /// <summary>A 1×1 transparent PNG: MediaService recognises it by its first bytes.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

    private static string Local(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Each_kind_is_written_in_the_browser_and_appears_on_its_public_page_and_in_the_items_list()
    {
        var ana = await FacilitatorAsync();

        await ana.GotoAsync("/workspace/rust/items");
        await Expect(ana.Locator("#items-empty")).ToContainTextAsync("Nothing written yet.");
        await Expect(ana.Locator("#items-empty").GetByRole(AriaRole.Link, new() { Name = "plan a session" })).ToHaveAttributeAsync("href", "/workspace/rust/new/session");

        // A post.
        await ana.GotoAsync("/workspace/rust/new/post");
        await ana.GetByLabel("Title (optional)").FillAsync("Welcome to the circle");
        await ana.GetByLabel("Text (Markdown)").FillAsync("We meet **every week**.");
        var post = await PublishAsync(ana);
        await ana.GotoAsync(post);
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Welcome to the circle" })).ToBeVisibleAsync();
        await Expect(ana.Locator("strong", new() { HasText = "every week" })).ToBeVisibleAsync();

        // A check-in with choices, several allowed, closing in a week (Amsterdam time).
        await ana.GotoAsync("/workspace/rust/new/prompt");
        await ana.GetByLabel("Text (Markdown)").FillAsync("How far are you with chapter 4?");
        await ana.GetByLabel("Check-in choices (optional)").FillAsync("Not started\nHalfway\nDone");
        await ana.GetByLabel("Allow more than one choice").CheckAsync();
        await ana.GetByLabel("Closes at (optional, check-ins only)").FillAsync(Local(DateTime.UtcNow.AddDays(7)));
        await ana.GetByLabel("Time zone").SelectOptionAsync("Europe/Amsterdam");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(ana.Locator("#preview-mastodon")).ToContainTextAsync("Poll: Not started · Halfway · Done");
        await Expect(ana.GetByLabel("Allow more than one choice")).ToBeCheckedAsync();
        var checkIn = await PublishAsync(ana);
        await ana.GotoAsync(checkIn);
        await Expect(ana.GetByText("Check-in in")).ToBeVisibleAsync();
        await Expect(ana.GetByText("☐ Halfway")).ToBeVisibleAsync();
        await Expect(ana.GetByText("Closes ")).ToBeVisibleAsync();

        // A material with an uploaded image, its alt text, and pinned; the file survives the preview round trip.
        await ana.GotoAsync("/workspace/rust/new/material");
        await ana.GetByLabel("Title", new() { Exact = true }).FillAsync("Ownership diagram");
        await ana.GetByLabel("Description (Markdown, optional)").FillAsync("Print it out.");
        await ana.GetByLabel("Attach a file (optional)").SetInputFilesAsync(new FilePayload { Name = "ownership.png", MimeType = "image/png", Buffer = Png });
        await ana.GetByLabel("Description of the file (alt text)").FillAsync("Boxes and arrows: who owns which value");
        await ana.GetByLabel("Pin on the group's page").CheckAsync();
        await ana.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(ana.Locator("#preview-files")).ToContainTextAsync("ownership.png (image/png) – Boxes and arrows: who owns which value");
        await Expect(ana.GetByLabel("Keep ownership.png")).ToBeCheckedAsync();
        var material = await PublishAsync(ana);
        await ana.GotoAsync(material);
        var file = ana.GetByRole(AriaRole.Link, new() { Name = "Boxes and arrows: who owns which value" });
        await Expect(file).ToBeVisibleAsync();
        var fileResponse = await ana.Context.APIRequest.GetAsync((await file.GetAttributeAsync("href"))!);
        Assert.Equal(200, fileResponse.Status);
        Assert.Equal(Png, await fileResponse.BodyAsync());

        // A refused upload is reported beside the file field.
        await ana.GotoAsync("/workspace/rust/new/material");
        await ana.GetByLabel("Title", new() { Exact = true }).FillAsync("Notes");
        await ana.GetByLabel("Attach a file (optional)").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "plain text"u8.ToArray() });
        await ana.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(ana.Locator("#f-file-error")).ToContainTextAsync("Only images");
        await Expect(ana.GetByLabel("Attach a file (optional)")).ToHaveAttributeAsync("aria-invalid", "true");

        // A session in New York time, with a place and a join link.
        var day = DateTime.UtcNow.Date.AddDays(20);
        await ana.GotoAsync("/workspace/rust/new/session");
        await ana.GetByLabel("Title").FillAsync("Async Rust lab");
        await ana.GetByLabel("Starts").FillAsync(Local(day.AddHours(18)));
        await ana.GetByLabel("Ends").FillAsync(Local(day.AddHours(20)));
        await ana.GetByLabel("Time zone").SelectOptionAsync("America/New_York");
        await ana.GetByLabel("Join link (optional if there is a place)").FillAsync("https://meet.example/async");
        await ana.GetByLabel("Place (optional if there is a join link)").FillAsync("Library room 2");
        await ana.GetByLabel("Capacity (optional)").FillAsync("12");
        var session = await PublishAsync(ana);
        await ana.GotoAsync(session);
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Async Rust lab" })).ToBeVisibleAsync();
        await Expect(ana.GetByText("(America/New_York)")).ToBeVisibleAsync();
        await Expect(ana.GetByText("Place: Library room 2")).ToBeVisibleAsync();

        // The list: newest first, each with Edit and Delete, filterable by kind.
        await ana.GotoAsync("/workspace/rust");
        await ana.GetByRole(AriaRole.Link, new() { Name = "All items" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust/items");
        var rows = ana.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(rows.Nth(0)).ToContainTextAsync("Async Rust lab");
        await Expect(rows.Nth(0)).ToContainTextAsync("(America/New_York)");
        await Expect(rows.Nth(1)).ToContainTextAsync("Ownership diagram");
        await Expect(rows.Nth(1)).ToContainTextAsync("Pinned");
        await Expect(rows.Nth(2)).ToContainTextAsync("check-in");
        await Expect(rows.Nth(3)).ToContainTextAsync("Welcome to the circle");
        await Expect(rows.Nth(3)).ToContainTextAsync("Published");
        await Expect(rows.Nth(3)).ToContainTextAsync("UTC");
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Edit Welcome to the circle" })).ToBeVisibleAsync();
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Delete Welcome to the circle" })).ToBeVisibleAsync();
        await ScreenshotAsync(ana, "20-items-list");

        await ana.GetByRole(AriaRole.Link, new() { Name = "Check-ins", Exact = true }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("How far are you with chapter 4?");
        await ana.GotoAsync("/workspace/rust/items?kind=post");
        await Expect(rows).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_scheduled_post_is_listed_with_its_time_and_zone_and_deleting_it_sends_nothing()
    {
        var ana = await FacilitatorAsync();
        await ana.GotoAsync("/workspace/rust/new/post");
        await ana.GetByLabel("Text (Markdown)").FillAsync("Next week's plan");
        await ana.GetByLabel("Time zone").SelectOptionAsync("Asia/Tokyo");
        await ana.GetByLabel("Publish at (optional)").FillAsync("2027-06-01T09:00");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await ana.ArriveAtAsync("**scheduled=1");

        await ana.GotoAsync("/workspace/rust/items");
        var row = ana.Locator("tbody tr").First;
        await Expect(row).ToContainTextAsync("Scheduled for Tue 1 Jun 2027, 00:00 UTC");

        // Edit shows the time back in the form's zone (the last session's, or UTC).
        await row.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(ana.GetByText("Scheduled for Tue 1 Jun 2027, 00:00 UTC")).ToBeVisibleAsync();
        await Expect(ana.GetByLabel("Time zone")).ToHaveValueAsync("UTC");
        await Expect(ana.GetByLabel("Publish at (optional)")).ToHaveValueAsync("2027-06-01T00:00");

        await ana.GetByRole(AriaRole.Link, new() { Name = "Delete this post…" }).ClickAsync();
        await Expect(ana.Locator("#delete-effect")).ToContainTextAsync("It was never published");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Delete post" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?done=discarded");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("nothing was sent");
        await Expect(ana.Locator("#items-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Editing_a_post_sends_a_signed_Update_and_deleting_it_sends_Delete_and_its_page_answers_410()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));

        await ana.GotoAsync("/workspace/rust/new/post");
        await ana.GetByLabel("Title (optional)").FillAsync("Reading list");
        await ana.GetByLabel("Text (Markdown)").FillAsync("Read chapter 3.");
        var post = await PublishAsync(ana);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(60));

        await ana.GotoAsync("/workspace/rust/items");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Edit Reading list" }).ClickAsync();
        await ana.ArriveAtAsync("**/items/*/edit");
        await Expect(ana.GetByLabel("Title (optional)")).ToHaveValueAsync("Reading list");
        await Expect(ana.GetByLabel("Text (Markdown)")).ToHaveValueAsync("Read chapter 3.");
        await Expect(ana.GetByLabel("Publish at (optional)")).ToHaveCountAsync(0);

        // The same validation as compose, beside the field.
        await ana.GetByLabel("Text (Markdown)").FillAsync("");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save and send the update" }).ClickAsync();
        await Expect(ana.Locator("#f-content-error")).ToHaveTextAsync("A post needs content (Markdown).");
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Update");

        await ana.GetByLabel("Text (Markdown)").FillAsync("Read chapters 3 **and 4**.");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(ana.Locator("#preview-html strong")).ToHaveTextAsync("and 4");
        await ScreenshotAsync(ana, "21-item-edit");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save and send the update" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?done=updated**");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("sent an Update");

        var update = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Update", TimeSpan.FromSeconds(60));
        Assert.Equal(post, update.Activity["object"]!.Value<string>("id"));
        Assert.Contains("<strong>and 4</strong>", update.Activity["object"]!.Value<string>("content"));
        var (valid, signer) = await remote.VerifyAsync(update);
        Assert.True(valid, "the Update is signed by the group");
        Assert.Equal(group, signer);
        await ana.GotoAsync(post);
        await Expect(ana.GetByText("edited")).ToBeVisibleAsync();

        await ana.GotoAsync("/workspace/rust/items");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Delete Reading list" }).ClickAsync();
        await Expect(ana.Locator("#delete-effect")).ToContainTextAsync("This sends a Delete to 1 follower's server; replies stay on their servers.");
        await ScreenshotAsync(ana, "23-item-delete");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Delete post" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?done=deleted");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("sent a Delete");
        await Expect(ana.GetByText("Reading list")).ToHaveCountAsync(0);

        var delete = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Delete", TimeSpan.FromSeconds(60));
        Assert.Equal(post, delete.Activity["object"]!.Value<string>("id"));
        Assert.Equal("Tombstone", delete.Activity["object"]!.Value<string>("type"));
        Assert.True((await remote.VerifyAsync(delete)).Valid, "the Delete is signed by the group");
        Assert.Equal(410, (await ana.Context.APIRequest.GetAsync(post)).Status);

        // The deleted item's pages are gone for the workspace too: a 404 page, not an error.
        var id = post[(post.LastIndexOf('/') + 1)..];
        Assert.Equal(404, (await ana.GotoAsync($"/workspace/rust/items/{id}/edit"))!.Status);
    }

    [Fact]
    public async Task Approving_a_pending_Join_sends_Accept_and_a_full_session_is_explained_beside_the_row()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var day = DateTime.UtcNow.Date.AddDays(30);
        await ana.GotoAsync("/workspace/rust/new/session");
        await ana.GetByLabel("Title").FillAsync("Macro workshop");
        await ana.GetByLabel("Starts").FillAsync(Local(day.AddHours(10)));
        await ana.GetByLabel("Ends").FillAsync(Local(day.AddHours(12)));
        await ana.GetByLabel("Time zone").SelectOptionAsync("Europe/Berlin");
        await ana.GetByLabel("Join link (optional if there is a place)").FillAsync("https://meet.example/macros");
        await ana.GetByLabel("Capacity (optional)").FillAsync("1");
        await ana.GetByLabel("Facilitators approve each participant").CheckAsync();
        var session = await PublishAsync(ana);

        foreach (var name in new[] { "learner", "bea" })
        {
            var join = new JObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/join/{name}", ["type"] = "Join",
                ["actor"] = remote.Actor(name), ["object"] = session,
            };
            using var response = await remote.SendAsync($"{Node.Origin}/inbox", join);
            Assert.Equal(202, (int)response.StatusCode);
        }

        await ana.GotoAsync("/workspace/rust");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Attendees of Macro workshop" }).ClickAsync();
        await ana.ArriveAtAsync("**/sessions/*/attendees");
        await EventuallyAsync(async () =>
        {
            await ana.ReloadAsync();
            return await ana.GetByRole(AriaRole.Heading, new() { Name = "Waiting for approval (2)" }).CountAsync() > 0;
        }, "both Joins wait for approval");
        var authority = new Uri(remote.Origin).Authority;
        var learnerRow = ana.GetByRole(AriaRole.Row, new() { Name = $"@learner@{authority}" });
        await Expect(learnerRow).ToContainTextAsync(authority);
        await Expect(learnerRow).ToContainTextAsync("UTC");
        await Expect(ana.GetByText("No one has said they are going yet.")).ToBeVisibleAsync();
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Accept");

        await ana.GetByRole(AriaRole.Button, new() { Name = $"Approve @learner@{authority}" }).ClickAsync();
        await ana.ArriveAtAsync("**done=approved");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Going (1)" })).ToBeVisibleAsync();
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));
        Assert.Equal("Join", accept.Activity["object"]!.Value<string>("type"));
        Assert.Equal($"{remote.Origin}/join/learner", accept.Activity["object"]!.Value<string>("id"));
        Assert.True((await remote.VerifyAsync(accept)).Valid, "the Accept is signed by the group");

        // The session is full now: the refusal shows beside bea's row, and she still waits.
        await ana.GetByRole(AriaRole.Button, new() { Name = $"Approve @bea@{authority}" }).ClickAsync();
        var beaRow = ana.GetByRole(AriaRole.Row, new() { Name = $"@bea@{authority}" });
        await Expect(beaRow.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The session is full.");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Waiting for approval (1)" })).ToBeVisibleAsync();

        await ana.GetByLabel("Message (optional)").FillAsync("Bring a laptop with Rust installed.");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Send a reminder" }).ClickAsync();
        await ana.ArriveAtAsync("**done=reminded**");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Reminder sent to 1 person");
        var reminder = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(60));
        Assert.Contains("Bring a laptop with Rust installed.", reminder.Activity["object"]!.Value<string>("content"));
        await ScreenshotAsync(ana, "22-attendees");

        // Afterwards: the session is cancelled, with notes and a recording link, from its edit page.
        await ana.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await ana.ArriveAtAsync("**/items/*/edit");
        await Expect(ana.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Berlin");
        await Expect(ana.GetByLabel("Capacity (optional)")).ToHaveValueAsync("1");
        await Expect(ana.GetByLabel("Facilitators approve each participant")).ToBeCheckedAsync();
        await ana.GetByLabel("Cancelled", new() { Exact = true }).CheckAsync();
        await ana.GetByLabel("Notes (Markdown, optional)").FillAsync("Moved to **next month**.");
        await ana.GetByLabel("Recording link (optional)").FillAsync("https://video.example/macros");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Save and send the update" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?done=updated**");
        await Expect(ana.Locator("tbody tr").First).ToContainTextAsync("Cancelled");
        await ana.GotoAsync(session);
        await Expect(ana.GetByText("This session is cancelled.")).ToBeVisibleAsync();
        await Expect(ana.Locator("strong", new() { HasText = "next month" })).ToBeVisibleAsync();
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "https://video.example/macros" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_banned_actor_is_listed_and_can_be_unbanned()
    {
        var ana = await FacilitatorAsync();
        await using var remote = await FakeRemoteServer.StartAsync();
        var group = $"{Node.Origin}/g/rust";
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(60));
        var handle = $"@learner@{new Uri(remote.Origin).Authority}";

        await ana.GotoAsync("/workspace/rust/followers");
        await Expect(ana.GetByText("No one is banned.")).ToBeVisibleAsync();
        await ana.Locator("summary", new() { HasText = "Ban…" }).ClickAsync();
        await ana.GetByLabel("Reason for the ban (optional)").FillAsync("Spam");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Ban", Exact = true }).ClickAsync();
        await ana.ArriveAtAsync("**done=banned");
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Banned (1)" })).ToBeVisibleAsync();
        await Expect(ana.Locator(".banned")).ToContainTextAsync(handle);
        await Expect(ana.Locator(".banned")).ToContainTextAsync("reason: Spam");

        await ana.GetByRole(AriaRole.Button, new() { Name = $"Unban {handle}" }).ClickAsync();
        await ana.ArriveAtAsync("**done=unbanned");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Unbanned");
        await Expect(ana.GetByText("No one is banned.")).ToBeVisibleAsync();

        await ana.GotoAsync("/workspace/rust/moderation");
        await Expect(ana.GetByRole(AriaRole.Row, new() { Name = "unban" })).ToContainTextAsync(remote.ActorId);

        // Following again works once more.
        (await remote.SendAsync($"{group}/inbox", remote.Follow(group))).Dispose();
        await EventuallyAsync(() => Task.FromResult(remote.Received.Count(r => r.Activity.Value<string>("type") == "Accept") == 2), "a second Accept");
    }

    [Fact]
    public async Task Others_get_403_on_item_and_attendee_pages_and_posts_and_an_item_of_another_group_is_404()
    {
        var ana = await FacilitatorAsync();
        await AddUserWithCliAsync("bo", "bo's long password");
        await AddUserWithCliAsync("cy", "cy's long password");
        var go = await Node.CliAsync("groups", "add", "go", "--title", "Go gophers", "--facilitator", "bo");
        Assert.True(go.ExitCode == 0, go.StdErr + go.StdOut);

        var day = DateTime.UtcNow.Date.AddDays(10);
        await ana.GotoAsync("/workspace/rust/new/session");
        await ana.GetByLabel("Title").FillAsync("Closures clinic");
        await ana.GetByLabel("Starts").FillAsync(Local(day.AddHours(9)));
        await ana.GetByLabel("Ends").FillAsync(Local(day.AddHours(10)));
        await ana.GetByLabel("Place (optional if there is a join link)").FillAsync("Room 1");
        var session = await PublishAsync(ana);
        var id = session[(session.LastIndexOf('/') + 1)..];

        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", "bo's long password");
        await bo.GotoAsync("/workspace/go/new/post");
        await bo.GetByLabel("Text (Markdown)").FillAsync("Gophers only");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await bo.ArriveAtAsync("**/workspace/go?published=**");
        var goPost = (await bo.GetByRole(AriaRole.Link, new() { Name = "See it on the public page" }).GetAttributeAsync("href"))!;
        var goId = goPost[(goPost.LastIndexOf('/') + 1)..];

        var cy = await NewPageAsync();
        await LogInAsync(cy, "cy", "cy's long password");
        foreach (var (who, page) in new[] { ("bo", bo), ("cy", cy) })
        {
            foreach (var path in new[] { "/workspace/rust/items", $"/workspace/rust/items/{id}/edit", $"/workspace/rust/items/{id}/delete", $"/workspace/rust/sessions/{id}/attendees" })
                Assert.True((await page.GotoAsync(path))!.Status == 403, $"{who} GET {path}");
            await page.GotoAsync("/workspace");
            var token = await AntiforgeryTokenAsync(page);
            foreach (var path in new[] { $"/workspace/rust/items/{id}/edit", $"/workspace/rust/items/{id}/edit?handler=preview", $"/workspace/rust/items/{id}/delete",
                         $"/workspace/rust/sessions/{id}/attendees?handler=approve", $"/workspace/rust/sessions/{id}/attendees?handler=remind", "/workspace/rust/followers?handler=unban" })
            {
                var post = await PostFormAsync(page, path, new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = token, ["title"] = "Hijacked", ["actor"] = "https://evil.example/users/x", ["message"] = "Hi",
                });
                Assert.True(post.Status == 403, $"{who} POST {path}: {post.Status}");
            }
        }

        // Ana's session is untouched; bo's post is not hers to edit, and unknown ids are 404 pages.
        await ana.GotoAsync(session);
        await Expect(ana.GetByRole(AriaRole.Heading, new() { Name = "Closures clinic" })).ToBeVisibleAsync();
        foreach (var path in new[] { $"/workspace/rust/items/{goId}/edit", $"/workspace/rust/items/{goId}/delete", "/workspace/rust/items/999999/edit",
                     $"/workspace/rust/sessions/{goId}/attendees", "/workspace/rust/sessions/999999/attendees" })
            Assert.True((await ana.GotoAsync(path))!.Status == 404, $"ana GET {path}");
        await ana.GotoAsync("/workspace");
        var bad = await PostFormAsync(ana, $"/workspace/rust/items/{goId}/delete", new Dictionary<string, string> { ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(ana) });
        Assert.Equal(404, bad.Status);
        await bo.GotoAsync(goPost);
        await Expect(bo.GetByText("Gophers only").First).ToBeVisibleAsync();
    }

    /// <summary>
    /// The items list holds 50 a page, newest first, and its "Older" link shows the next 50. Until 2026-12-05 every page
    /// showed the first: the page number was model-bound, and Razor Pages' own "page" route value won over the query.
    /// </summary>
    [Fact]
    public async Task The_items_list_pages_through_older_items()
    {
        var ana = await FacilitatorAsync();
        var token = (await Node.CliAsync("tokens", "add", "ana")).StdOut.Trim();
        using var api = new HttpClient();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        for (var i = 1; i <= 52; i++)
        {
            using var response = await api.PostAsync($"{Node.Origin}/api/groups/rust/posts",
                new StringContent(new JObject { ["content"] = $"Numbered post {i:00}" }.ToString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await ana.GotoAsync("/workspace/rust/items");
        var rows = ana.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(rows.First).ToContainTextAsync("Numbered post 52");
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Newer" })).ToHaveCountAsync(0);

        await ana.GetByRole(AriaRole.Link, new() { Name = "Older" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?page=2");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.First).ToContainTextAsync("Numbered post 02");
        await Expect(rows.Last).ToContainTextAsync("Numbered post 01");
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "Older" })).ToHaveCountAsync(0);
        await ana.GetByRole(AriaRole.Link, new() { Name = "Newer" }).ClickAsync();
        await Expect(rows.First).ToContainTextAsync("Numbered post 52");

        // A filtered list pages within its filter.
        var show = ana.GetByRole(AriaRole.Navigation, new() { Name = "Show" });
        await show.GetByRole(AriaRole.Link, new() { Name = "Posts" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?kind=post");
        await ana.GetByRole(AriaRole.Link, new() { Name = "Older" }).ClickAsync();
        await ana.ArriveAtAsync("**/items?page=2&kind=post");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Last).ToContainTextAsync("Numbered post 01");
        await Expect(show.GetByRole(AriaRole.Link, new() { Name = "Posts" })).ToHaveAttributeAsync("aria-current", "page");
    }
}
