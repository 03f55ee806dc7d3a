using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Addresses are matched exactly. The regex route constraints we had matched case-insensitively and let a trailing
/// newline (%0A) through, while the handlers compared the value exactly: /attendees/Approve refused the attendee,
/// /g/rust/Posts listed sessions, /nodeinfo/2.0%0A put a newline in a header (500). Every such address is now a 404,
/// and every canonical one still answers. Also: a return URL with a newline after a good login, and padded ids in the
/// notes API.
/// </summary>
public sealed partial class ExactAddressTests : IAsyncLifetime
{
    private PublishingNode _a = null!;

    public async Task InitializeAsync()
    {
        _a = await PublishingNode.StartAsync("exact");
        await _a.Node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
    }

    public Task DisposeAsync() => _a.DisposeAsync().AsTask();

    /// <summary>The URL exactly as written: escapes such as %0A and the case of every letter are kept.</summary>
    private async Task<HttpResponseMessage> RawAsync(HttpMethod method, string pathAndQuery, string? token = null, object? body = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_a.Node.Origin + pathAndQuery));
        Assert.Equal(pathAndQuery.Split('?')[0], request.RequestUri!.AbsolutePath); // HttpClient did not rewrite it
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        if (body is not null) request.Content = new StringContent(JObject.FromObject(body).ToString(), System.Text.Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }

    [Fact]
    public async Task An_attendee_decision_in_another_case_or_with_a_newline_is_a_404_and_refuses_nobody()
    {
        await using var remote = await FakeRemoteServer.StartAsync();
        var day = DateTime.UtcNow.Date.AddDays(30);
        var session = await _a.PublishAsync("sessions", new JObject
        {
            ["title"] = "Lab", ["content"] = "Hands on",
            ["startsAt"] = day.AddHours(10).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["endsAt"] = day.AddHours(12).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["timezone"] = "Europe/Berlin", ["joinUrl"] = "https://meet.example/lab", ["requireApproval"] = true,
        });
        var path = $"/api/groups/rust/sessions/{session.Value<long>("localId")}/attendees";
        var learner = remote.Actor("learner");
        (await remote.SendAsync($"{_a.Node.Origin}/inbox", new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/join/1", ["type"] = "Join",
            ["actor"] = learner, ["object"] = session.Value<string>("id"),
        })).Dispose();
        await EventuallyAsync(async () => await StatusOfAsync(path, learner) == "pending", "the Join is pending", _a.Node);

        // Before: anything but exactly "approve" counted as a refusal, 204 and a Reject{Join} that cannot be undone.
        foreach (var decision in new[] { "Approve", "APPROVE", "approve%0A", "Reject", "reject%0A" })
        {
            using var response = await RawAsync(HttpMethod.Post, $"{path}/{decision}", _a.Token, new { actor = learner });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{decision}: {(int)response.StatusCode}");
        }
        Assert.Equal("pending", await StatusOfAsync(path, learner));
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Reject");

        using (var approve = await RawAsync(HttpMethod.Post, $"{path}/approve", _a.Token, new { actor = learner }))
            Assert.Equal(HttpStatusCode.NoContent, approve.StatusCode);
        Assert.Equal("yes", await StatusOfAsync(path, learner));
    }

    private async Task<string?> StatusOfAsync(string path, string actor)
    {
        using var response = await RawAsync(HttpMethod.Get, path, _a.Token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JObject.Parse(text)["attendees"]!.FirstOrDefault(x => x.Value<string>("actor") == actor)?.Value<string>("status");
    }

    [Fact]
    public async Task NodeInfo_with_a_trailing_newline_or_another_version_is_a_404()
    {
        foreach (var version in new[] { "2.0", "2.1" })
        {
            using var ok = await RawAsync(HttpMethod.Get, $"/nodeinfo/{version}");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        // Before: 2.0%0A passed ^2\.[01]$ and the newline went into the Content-Type header, a 500.
        foreach (var version in new[] { "2.0%0A", "2.1%0A", "2.2", "2x0" })
        {
            using var response = await RawAsync(HttpMethod.Get, $"/nodeinfo/{version}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{version}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Item_kinds_match_exactly_and_an_unknown_kind_is_never_a_session()
    {
        var post = await _a.PublishAsync("posts", new { content = "A post" });
        var id = post.Value<long>("localId");
        Assert.Equal($"{_a.Group}/posts/{id}", post.Value<string>("id"));
        using (var canonical = await RawAsync(HttpMethod.Get, $"/g/rust/posts/{id}", accept: "application/activity+json"))
            Assert.Equal(HttpStatusCode.OK, canonical.StatusCode);
        using (var list = await RawAsync(HttpMethod.Get, "/g/rust/posts", accept: "text/html"))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        // Before: /g/rust/Posts listed the sessions and POST …/Prompts created a session.
        foreach (var path in new[] { "/g/rust/Posts", "/g/rust/posts%0A", $"/g/rust/POSTS/{id}", $"/g/rust/posts/{id}/Replies" })
        {
            using var response = await RawAsync(HttpMethod.Get, path, accept: "text/html");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
        foreach (var kind in new[] { "Prompts", "prompts%0A" })
        {
            using var response = await RawAsync(HttpMethod.Post, $"/api/groups/rust/{kind}", _a.Token, new { content = "Which crate?" });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{kind}: {(int)response.StatusCode}");
        }
        using (var sessions = await RawAsync(HttpMethod.Get, "/api/groups/rust/sessions", _a.Token))
            Assert.DoesNotContain("Which crate?", await sessions.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Actor_collections_match_exactly_and_the_g_prefix_like_the_actor_itself()
    {
        // Before: /g/cohort/FOLLOWERS skipped the members-only check (200, totalItems 0, a mangled id).
        using (var canonical = await RawAsync(HttpMethod.Get, "/g/cohort/followers", accept: "application/activity+json"))
            Assert.NotEqual(HttpStatusCode.OK, canonical.StatusCode);
        foreach (var path in new[] { "/g/cohort/FOLLOWERS", "/g/cohort/followers%0A", "/g/rust/Outbox", "/actor/Outbox" })
        {
            using var response = await RawAsync(HttpMethod.Get, path, accept: "application/activity+json");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
        // Before: /G/rust/outbox looked for a person named rust (404), although /G/rust is the group, as routing
        // matches literal segments in any case.
        foreach (var path in new[] { "/g/rust/outbox", "/G/rust/outbox" })
        {
            using var response = await RawAsync(HttpMethod.Get, path, accept: "application/activity+json");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal($"{_a.Group}/outbox", JObject.Parse(text).Value<string>("id"));
        }
    }

    [Fact]
    public async Task The_composer_opens_only_for_an_exact_kind()
    {
        var ana = new Browser(_a.Node.Origin);
        var signedIn = await ana.LogInAsync("ana", "a-long-password-1");
        Assert.Equal((HttpStatusCode.Redirect, "/workspace"), (signedIn.Status, signedIn.Location));
        using (var prompt = await ana.GetAsync("/workspace/rust/new/prompt"))
            Assert.Equal(HttpStatusCode.OK, prompt.StatusCode);
        // Before: /new/Prompt opened the session composer.
        foreach (var kind in new[] { "Prompt", "prompt%0A" })
        {
            using var response = await ana.GetAsync($"/workspace/rust/new/{kind}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{kind}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_return_url_with_a_newline_after_a_good_login_goes_to_the_workspace()
    {
        // Before: signed in, then LocalRedirect threw on the newline the return URL check let through (500).
        var ana = new Browser(_a.Node.Origin);
        var signedIn = await ana.LogInAsync("ana", "a-long-password-1", "?ReturnUrl=/workspace%0A");
        Assert.Equal((HttpStatusCode.Redirect, "/workspace"), (signedIn.Status, signedIn.Location));
        var plain = new Browser(_a.Node.Origin);
        var kept = await plain.LogInAsync("ana", "a-long-password-1", "?ReturnUrl=%2Fworkspace%2Frust");
        Assert.Equal((HttpStatusCode.Redirect, "/workspace/rust"), (kept.Status, kept.Location));
    }

    [Fact]
    public async Task Padded_ids_in_the_notes_api_are_trimmed()
    {
        var prompt = await _a.PublishAsync("prompts", new { content = "What did you learn?" });
        var id = prompt.Value<string>("id")!;
        // Before: Uri.TryCreate accepted the padding, the exact lookups missed our own prompt.
        using (var note = await RawAsync(HttpMethod.Post, "/api/notes", _a.Token, new { content = "Lifetimes", inReplyTo = $" {id} " }))
        {
            var text = await note.Content.ReadAsStringAsync();
            Assert.True(note.StatusCode == HttpStatusCode.Created, $"{(int)note.StatusCode}: {text}");
            var created = JObject.Parse(text);
            Assert.Equal(id, created.Value<string>("inReplyTo"));
            Assert.Equal(_a.Group, created.Value<string>("group"));
        }
        using (var padded = await RawAsync(HttpMethod.Get, $"/api/thread?object={Uri.EscapeDataString(" " + id + " ")}", _a.Token))
        {
            var text = await padded.Content.ReadAsStringAsync();
            Assert.True(padded.StatusCode == HttpStatusCode.OK, $"{(int)padded.StatusCode}: {text}");
            Assert.Contains("Lifetimes", text);
        }
    }

    /// <summary>A cookie-keeping client that fetches the login form for its antiforgery token, as a browser does.</summary>
    private sealed partial class Browser(string origin)
    {
        private readonly HttpClient _client = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

        public async Task<(HttpStatusCode Status, string? Location)> LogInAsync(string login, string password, string query = "")
        {
            var form = await _client.GetStringAsync($"{origin}/login");
            var token = Token().Match(form);
            Assert.True(token.Success, "the login form has an antiforgery token");
            using var response = await _client.PostAsync(new Uri($"{origin}/login{query}"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            }));
            return (response.StatusCode, response.Headers.Location?.OriginalString);
        }

        public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(new Uri(origin + path));

        [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
        private static partial Regex Token();
    }
}
