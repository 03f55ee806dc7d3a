using System.Net;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// The workspace forms as a browser posts them (signed in, with the antiforgery token): what they accept, and what the
/// page says back.
/// </summary>
public sealed partial class WorkspaceFormTests
{
    private const string Password = "a-long-password-1";

    /// <summary>
    /// Creating a group takes the summary the settings page takes (at most 2000 characters): a longer one was saved, and
    /// from then on every save of the group's settings was refused for a summary no one had touched.
    /// </summary>
    [Fact]
    public async Task Creating_a_group_refuses_a_summary_its_settings_page_would_refuse()
    {
        await using var a = await PublishingNode.StartAsync("newgroupsummary");
        await a.Node.CliWithInputAsync(Password + "\n", "users", "add", "cleo", "--email", "cleo@example.org", "--role", "admin").MustAsync();
        var cleo = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await cleo.LogInAsync("cleo", Password));

        var (status, location, body) = await cleo.PostAsync("/workspace", "/workspace", new()
        {
            ["Name"] = "longread", ["Title"] = "Long read", ["Summary"] = new string('x', 2001), ["Lane"] = "empty",
        });

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {location}");
        Assert.Contains("id=\"f-summary-error\">Use at most 2000 characters.", body);
        Assert.Contains(new string('x', 2001), body); // what was typed stays in the form
        Assert.Equal(HttpStatusCode.NotFound, (await cleo.GetAsync("/workspace/longread")).Status);

        // At the limit it is created, and its settings save unchanged.
        (status, location, _) = await cleo.PostAsync("/workspace", "/workspace", new()
        {
            ["Name"] = "longread", ["Title"] = "Long read", ["Summary"] = new string('x', 2000), ["Lane"] = "empty",
        });
        Assert.Equal((HttpStatusCode.Redirect, "/workspace?created=longread"), (status, location));
        (status, location, _) = await cleo.PostAsync("/workspace/longread/settings", "/workspace/longread/settings", new()
        {
            ["Title"] = "Long read", ["Summary"] = new string('x', 2000), ["PostingPolicy"] = "open",
        });
        Assert.Equal((HttpStatusCode.Redirect, "/workspace/longread/settings?saved=1"), (status, location));
    }

    /// <summary>
    /// The title's 200 characters are counted without the spaces around it, which are not kept (as on the settings page):
    /// a 199-character title pasted with a space on each side was refused as too long.
    /// </summary>
    [Fact]
    public async Task Creating_a_group_counts_the_title_without_the_spaces_around_it()
    {
        await using var a = await PublishingNode.StartAsync("newgrouptitle");
        await a.Node.CliWithInputAsync(Password + "\n", "users", "add", "cleo", "--email", "cleo@example.org", "--role", "admin").MustAsync();
        var cleo = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await cleo.LogInAsync("cleo", Password));

        var (status, location, body) = await cleo.PostAsync("/workspace", "/workspace", new()
        {
            ["Name"] = "pasted", ["Title"] = " " + new string('t', 199) + " ", ["Lane"] = "empty",
        });

        Assert.True(status == HttpStatusCode.Redirect, $"{(int)status} {location} {Regex.Match(body, "class=\"field-error\"[^<]*")}");
        Assert.Equal("/workspace?created=pasted", location);
        (status, _, body) = await cleo.PostAsync("/workspace", "/workspace", new() { ["Name"] = "longer", ["Title"] = new string('t', 201), ["Lane"] = "empty" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"f-title-error\">Use at most 200 characters.", body);
    }

    /// <summary>
    /// The edit form of a reflection prompt offers the session it belongs to, even when that session is not among the 50
    /// the select lists (the latest by start): it was left out, the select showed "None", and saving the form unchanged
    /// took the prompt out of its session's thread.
    /// </summary>
    [Fact]
    public async Task Editing_a_reflection_prompt_of_an_early_session_keeps_it_in_that_session()
    {
        await using var a = await PublishingNode.StartAsync("oldsession");
        var first = 0L;
        for (var i = 0; i < 51; i++)
        {
            var day = new DateTime(2027, 1, 4).AddDays(7 * i).ToString("yyyy-MM-dd");
            using var created = await a.SendAsync(HttpMethod.Post, "groups/rust/sessions", new
            {
                title = $"Week {i + 1}", startsAt = $"{day}T16:00", endsAt = $"{day}T17:00", timezone = "UTC", joinUrl = "https://meet.example/rust",
            });
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, text);
            if (i == 0) first = JObject.Parse(text).Value<long>("localId");
        }
        using var prompt = await a.SendAsync(HttpMethod.Post, "groups/rust/prompts", new { content = "What stuck from week 1?", sessionId = first });
        var promptText = await prompt.Content.ReadAsStringAsync();
        Assert.True(prompt.StatusCode == HttpStatusCode.Created, promptText);
        var promptId = JObject.Parse(promptText).Value<long>("localId");

        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));
        var (status, body) = await ana.GetAsync($"/workspace/rust/items/{promptId}/edit");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"<option value=\"{first + 1}\">Week 2 – ", body);
        Assert.Contains($"<option value=\"{first}\" selected>Week 1 – ", body);
    }

    /// <summary>
    /// The preview checks the form as publishing it does: it checked only the formats and the zone, so a session of 31
    /// days, or a closing time on a prompt without choices, previewed cleanly and was refused on Publish.
    /// </summary>
    [Fact]
    public async Task The_preview_refuses_what_publishing_would_refuse()
    {
        await using var a = await PublishingNode.StartAsync("previewchecks");
        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));

        var (status, _, body) = await ana.PostAsync("/workspace/rust/new/session?handler=preview", "/workspace/rust/new/session", new()
        {
            ["title"] = "Sprint", ["content"] = "A long one", ["timezone"] = "Europe/Amsterdam",
            ["startsAt"] = "2030-03-01T10:00", ["endsAt"] = "2030-04-01T10:00", ["joinUrl"] = "https://meet.example/sprint",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"f-endsat-error\">A session lasts at most 14 days.", body);

        (status, _, body) = await ana.PostAsync("/workspace/rust/new/prompt?handler=preview", "/workspace/rust/new/prompt", new()
        {
            ["content"] = "What stuck?", ["closesAt"] = "2030-03-01T10:00", ["timezone"] = "Europe/Amsterdam",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"f-closesat-error\">Only a check-in with choices closes.", body);

        // Its twin: a session the service takes previews without an error, with its summary line.
        (status, _, body) = await ana.PostAsync("/workspace/rust/new/session?handler=preview", "/workspace/rust/new/session", new()
        {
            ["title"] = "Sprint", ["content"] = "A short one", ["timezone"] = "Europe/Amsterdam",
            ["startsAt"] = "2030-03-01T10:00", ["endsAt"] = "2030-03-01T12:00", ["joinUrl"] = "https://meet.example/sprint",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("class=\"field-error\"", body);
        Assert.Contains("Fri 1 March 2030, 10:00–12:00 CET (Europe/Amsterdam)", body);
    }

    /// <summary>
    /// A refusal that starts with an actor id shows the id as it is: made a sentence, it read "Https://…" (approving a
    /// follower who has since unfollowed, unbanning someone no longer banned, approving a withdrawn attendance request).
    /// </summary>
    [Fact]
    public async Task A_refusal_about_an_actor_id_does_not_capitalise_the_id()
    {
        await using var a = await PublishingNode.StartAsync("refusedactor");
        using var session = await a.SendAsync(HttpMethod.Post, "groups/rust/sessions", new
        {
            title = "Office hours", startsAt = "2027-03-15T16:00", endsAt = "2027-03-15T17:00", timezone = "UTC", joinUrl = "https://meet.example/rust",
        });
        var sessionId = JObject.Parse(await session.Content.ReadAsStringAsync()).Value<long>("localId");
        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));

        var (status, _, body) = await ana.PostAsync("/workspace/rust/followers?handler=approve", "/workspace/rust/followers",
            new() { ["actor"] = "https://mastodon.example/users/gone" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("https://mastodon.example/users/gone does not follow rust", body);

        (status, _, body) = await ana.PostAsync("/workspace/rust/followers?handler=unban", "/workspace/rust/followers",
            new() { ["actor"] = "https://mastodon.example/users/gone" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("https://mastodon.example/users/gone is not banned", body);

        (status, _, body) = await ana.PostAsync($"/workspace/rust/sessions/{sessionId}/attendees?handler=approve",
            $"/workspace/rust/sessions/{sessionId}/attendees", new() { ["actor"] = "https://mastodon.example/users/gone" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("https://mastodon.example/users/gone has not asked", body);
        Assert.DoesNotContain("Https://", body);
    }

    /// <summary>
    /// A page's form with a NUL character (U+0000) in a text field is a 400, as a JSON API body with one is. ASP.NET Core
    /// refuses <c>%00</c> in a URL-encoded form already, not a NUL in a multipart form's text fields (the settings and
    /// compose forms are multipart, for their files). PostgreSQL takes no NUL in text, so a summary with one was a 500
    /// there; SQLite, where this test runs, saved it.
    /// </summary>
    [Fact]
    public async Task A_multipart_form_field_with_a_NUL_is_refused()
    {
        await using var a = await PublishingNode.StartAsync("formnul");
        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

        var (status, location, body) = await ana.PostAsync("/workspace/rust/settings", "/workspace/rust/settings",
            new() { ["Title"] = "Rust circle", ["Summary"] = "About\0this", ["PostingPolicy"] = "open" }, ("Icon", "icon.png", png));
        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {location}");
        Assert.Contains("<h1>Bad request</h1>", body);
        Assert.DoesNotContain("About", (await ana.GetAsync("/workspace/rust/settings")).Body);

        // Its twin: the same form without the NUL is saved.
        (status, location, _) = await ana.PostAsync("/workspace/rust/settings", "/workspace/rust/settings",
            new() { ["Title"] = "Rust circle", ["Summary"] = "About this", ["PostingPolicy"] = "open" }, ("Icon", "icon.png", png));
        Assert.Equal((HttpStatusCode.Redirect, "/workspace/rust/settings?saved=1"), (status, location));
        Assert.Contains("About this", (await ana.GetAsync("/workspace/rust/settings")).Body);
    }

    /// <summary>
    /// The settings form shown again after an error keeps <em>Go back to the generated icon</em> ticked when it was: it
    /// came back unticked, and once the other field was corrected, saving kept the uploaded icon.
    /// </summary>
    [Fact]
    public async Task Settings_shown_again_after_an_error_keep_the_remove_icon_box_ticked()
    {
        await using var a = await PublishingNode.StartAsync("removeicon");
        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");
        var (status, location, _) = await ana.PostAsync("/workspace/rust/settings", "/workspace/rust/settings",
            new() { ["Title"] = "Rust circle", ["PostingPolicy"] = "open" }, ("Icon", "icon.png", png));
        Assert.Equal((HttpStatusCode.Redirect, "/workspace/rust/settings?saved=1"), (status, location));
        var (_, page) = await ana.GetAsync("/workspace/rust/settings");
        Assert.Matches("<input type=\"checkbox\" name=\"RemoveIcon\" value=\"true\" ?>", page); // offered, not ticked

        (status, _, var body) = await ana.PostAsync("/workspace/rust/settings", "/workspace/rust/settings",
            new() { ["Title"] = "Rust circle", ["PostingPolicy"] = "open", ["RemoveIcon"] = "true", ["Timezone"] = "Mars/Olympus" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"f-timezone-error\"", body);
        Assert.Contains("<input type=\"checkbox\" name=\"RemoveIcon\" value=\"true\" checked>", body);
    }

    /// <summary>
    /// The workspace's item list past its last page (a bookmark, an <em>Older</em> link after deletions in another tab)
    /// shows the last page, as the followers and responses lists do: it said "Nothing written yet" of a group with items,
    /// with no link back.
    /// </summary>
    [Fact]
    public async Task The_item_list_past_its_last_page_shows_the_last_not_nothing_written_yet()
    {
        await using var a = await PublishingNode.StartAsync("itemspast");
        foreach (var text in new[] { "First news", "Second news" })
        {
            using var created = await a.SendAsync(HttpMethod.Post, "groups/rust/posts", new { title = text, content = text });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var ana = new Browser(a.Node.Origin);
        Assert.Equal((HttpStatusCode.Found, "/workspace"), await ana.LogInAsync("ana", Password));

        foreach (var path in new[] { "/workspace/rust/items?page=2", "/workspace/rust/items?kind=post&page=7" })
        {
            var (status, body) = await ana.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("items-empty", body);
            Assert.Contains("Second news", body);
            Assert.Contains("First news", body);
            Assert.DoesNotContain(">Newer</a>", body); // it is page 1, the last
        }
    }

    /// <summary>A cookie-keeping client that fetches a form for its antiforgery token before each post, as a browser does.</summary>
    internal sealed partial class Browser(string origin)
    {
        private readonly HttpClient _client = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

        public async Task<(HttpStatusCode Status, string? Location)> LogInAsync(string login, string password)
        {
            var (status, location, _) = await PostAsync("/login", "/login", new() { ["Login"] = login, ["Password"] = password });
            return (status, location);
        }

        public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, origin + path);
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await _client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        /// <summary>Posts <paramref name="form"/> to <paramref name="path"/> with the token of the form on <paramref name="formPage"/>.</summary>
        /// <remarks>With a <paramref name="file"/>, the form is sent as multipart/form-data, as a form with a file input.</remarks>
        public async Task<(HttpStatusCode Status, string? Location, string Body)> PostAsync(string path, string formPage, Dictionary<string, string> form,
            (string Field, string FileName, byte[] Bytes)? file = null)
        {
            var (_, page) = await GetAsync(formPage);
            var token = Token().Match(page);
            Assert.True(token.Success, $"{formPage} has an antiforgery token");
            form["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
            HttpContent content = new FormUrlEncodedContent(form);
            if (file is var (field, fileName, bytes))
            {
                var multipart = new MultipartFormDataContent();
                foreach (var (key, value) in form) multipart.Add(new StringContent(value), key);
                multipart.Add(new ByteArrayContent(bytes), field, fileName);
                content = multipart;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, origin + path) { Content = content };
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await _client.SendAsync(request);
            return (response.StatusCode, response.Headers.Location?.OriginalString, await response.Content.ReadAsStringAsync());
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
        private static partial Regex Token();
    }
}
