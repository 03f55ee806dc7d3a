using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>A facilitator writes, previews and publishes from /workspace/{group}/new/{kind}.</summary>
public sealed class ComposeTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    [Fact]
    public async Task Facilitator_previews_and_publishes_a_prompt_that_the_public_page_then_shows()
    {
        var ana = await FacilitatorAsync();
        await ana.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Rust study circle" }).GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust");
        await Expect(ana.GetByText("No open prompts.")).ToBeVisibleAsync();
        await Expect(ana.GetByText("No sessions planned.")).ToBeVisibleAsync();

        await ana.GetByRole(AriaRole.Link, new() { Name = "New prompt" }).ClickAsync();
        await ana.GetByLabel("Text (Markdown)").FillAsync("What did you **learn** about _lifetimes_ this week?");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var preview = ana.Locator("#preview-html");
        await Expect(preview.Locator("strong")).ToHaveTextAsync("learn");
        await Expect(preview.Locator("em")).ToHaveTextAsync("lifetimes");
        var mastodon = ana.Locator("#preview-mastodon");
        await Expect(mastodon).ToContainTextAsync("Rust study circle");
        await Expect(mastodon).ToContainTextAsync("@rust@" + Node.Authority);
        await Expect(mastodon.Locator("strong", new() { HasText = "learn" })).ToBeVisibleAsync();
        // The text survives the preview round trip, so Publish sends what was previewed.
        await Expect(ana.GetByLabel("Text (Markdown)")).ToHaveValueAsync("What did you **learn** about _lifetimes_ this week?");
        await ScreenshotAsync(ana, "16-compose-preview");

        await ana.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust?published=**");
        await Expect(ana.GetByRole(AriaRole.Status)).ToContainTextAsync("Published.");
        var link = await ana.GetByRole(AriaRole.Link, new() { Name = "See it on the public page" }).GetAttributeAsync("href");
        Assert.StartsWith($"{Node.Origin}/g/rust/prompts/", link);
        await Expect(ana.GetByRole(AriaRole.Link, new() { Name = "What did you learn about lifetimes this week?" })).ToBeVisibleAsync();
        await Expect(ana.GetByText("0 responses from 0 people")).ToBeVisibleAsync();
        await ScreenshotAsync(ana, "15-group-dashboard");

        await ana.GotoAsync("/g/rust");
        await Expect(ana.GetByText("What did you learn about lifetimes this week?").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Session_ending_before_it_starts_is_refused_beside_the_end_and_the_preview_shows_the_Mastodon_summary()
    {
        var ana = await FacilitatorAsync();
        await ana.GotoAsync("/workspace/rust/new/session");
        await Expect(ana.GetByLabel("Time zone")).ToHaveValueAsync("UTC");
        await ana.GetByLabel("Title").FillAsync("Borrow checker clinic");
        await ana.GetByLabel("Description (Markdown, optional)").FillAsync("Bring code that **does not compile**.");
        await ana.GetByLabel("Starts").FillAsync("2027-03-15T16:30");
        await ana.GetByLabel("Ends").FillAsync("2027-03-15T15:00");
        await ana.GetByLabel("Time zone").SelectOptionAsync("Europe/Amsterdam");
        await ana.GetByLabel("Join link (optional if there is a place)").FillAsync("https://meet.example/rust");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();

        var ends = ana.GetByLabel("Ends");
        await Expect(ends).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(ana.Locator("#f-endsat-error")).ToHaveTextAsync("The end must be after the start.");
        Assert.Contains("f-endsat-error", await ends.GetAttributeAsync("aria-describedby"));
        await Expect(ana.Locator("#f-startsat-error")).ToHaveCountAsync(0);
        await Expect(ana.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Amsterdam");

        await ends.FillAsync("2027-03-15T18:00");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(ana.Locator("#preview-summary")).ToContainTextAsync("Mon 15 March 2027, 16:30–18:00 CET (Europe/Amsterdam) · Join: https://meet.example/rust");
        await Expect(ana.Locator("#preview-mastodon")).ToContainTextAsync("16:30–18:00 CET (Europe/Amsterdam)");
        await Expect(ana.Locator("#preview-html strong")).ToHaveTextAsync("does not compile");
        await ScreenshotAsync(ana, "17-compose-session-preview");

        await ana.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await ana.ArriveAtAsync("**/workspace/rust?published=**");
        var row = ana.GetByRole(AriaRole.Row, new() { Name = "Borrow checker clinic" });
        await Expect(row).ToContainTextAsync("Mon 15 Mar 2027, 16:30 CET (Europe/Amsterdam)");
        await Expect(row).ToContainTextAsync("Mon 15 Mar 2027, 15:30 UTC");

        // The next session form starts in the zone typed last.
        await ana.GotoAsync("/workspace/rust/new/session");
        await Expect(ana.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Amsterdam");
    }
}
