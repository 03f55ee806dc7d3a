using System.Diagnostics;
using System.Net.Http.Headers;
using System.Xml.Linq;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>The facilitators' JSON API: bad input gets a clear 4xx naming the field and writes nothing; uploads; feeds.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private PublishingNode _a = null!;

    public async Task InitializeAsync() =>
        _a = await PublishingNode.StartAsync("api", new Dictionary<string, string> { ["FediLearn__Media__MaxBytes"] = "4096" });

    public Task DisposeAsync() => _a.DisposeAsync().AsTask();

    [Theory]
    [InlineData("materials", """{"content":"no title"}""", "title")]
    [InlineData("sessions", """{"title":"s","startsAt":"2027-03-15T18:00","endsAt":"2027-03-15T16:00","timezone":"Europe/Amsterdam","joinUrl":"https://m.example/x"}""", "endsAt")]
    [InlineData("sessions", """{"title":"s","startsAt":"2027-03-15T16:00","endsAt":"2027-03-15T18:00","timezone":"Mars/Olympus","joinUrl":"https://m.example/x"}""", "timezone")]
    [InlineData("sessions", """{"title":"s","startsAt":"2027-03-15T16:00Z","endsAt":"2027-03-15T18:00","timezone":"Europe/Amsterdam","joinUrl":"https://m.example/x"}""", "startsAt")]
    [InlineData("sessions", """{"title":"s","startsAt":"2027-03-15T16:00","endsAt":"2027-03-15T18:00","timezone":"Europe/Amsterdam"}""", "joinUrl")]
    [InlineData("prompts", """{"content":"pick","choices":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21"]}""", "choices")]
    [InlineData("prompts", """{"content":"pick","choices":["only one"]}""", "choices")]
    [InlineData("prompts", """{"content":""}""", "content")]
    [InlineData("posts", """{"content":"x","startsAt":"2027-03-15T16:00"}""", "startsAt")]
    [InlineData("posts", """{"content":"x","colour":"red"}""", "colour")]
    [InlineData("posts", """{"content":"x","publishAt":"tomorrow"}""", "publishAt")]
    [InlineData("materials", """{"title":"m","content":"x","links":[{"url":"javascript:alert(1)"}]}""", "links")]
    [InlineData("materials", """{"title":"m","content":"x","mediaIds":["nope.png"]}""", "mediaIds")]
    [InlineData("posts", """{"content":"x","pinned":true}""", "pinned")]
    [InlineData("posts", """{"content":"x","multiple":true}""", "multiple")]
    [InlineData("materials", """{"title":"m","content":"x","cancelled":true}""", "cancelled")]
    [InlineData("prompts", """{"content":"x","requireApproval":true}""", "requireApproval")]
    // JSON nulls inside the lists: each was a 500 (a NullReferenceException in the validator) until 2026-12-05.
    [InlineData("prompts", """{"content":"pick","choices":["a",null]}""", "choices")]
    [InlineData("prompts", """{"content":"pick","choices":[null,null]}""", "choices")]
    [InlineData("materials", """{"title":"m","content":"x","links":[null]}""", "links")]
    [InlineData("materials", """{"title":"m","content":"x","mediaIds":[null]}""", "mediaIds")]
    // Dates outside the years 1900 to 2200. The session was stored, and when published (or listed) its end in UTC, past
    // year 9999, threw: a 500 at once, or a scheduled item that stopped the scheduler. The other two were accepted.
    [InlineData("sessions", """{"title":"s","startsAt":"9999-12-31T20:00","endsAt":"9999-12-31T22:00","timezone":"America/New_York","joinUrl":"https://m.example/x"}""", "startsAt")]
    [InlineData("prompts", """{"content":"pick","choices":["a","b"],"closesAt":"2999-01-01T00:00:00Z"}""", "closesAt")]
    [InlineData("posts", """{"content":"x","publishAt":"1800-01-01T00:00:00Z"}""", "publishAt")]
    public async Task Invalid_input_is_a_400_problem_naming_the_field_and_writes_nothing(string kind, string body, string field)
    {
        using var response = await _a.SendAsync(HttpMethod.Post, $"groups/rust/{kind}", body);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(400 == (int)response.StatusCode, problem.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem["errors"]![field]);
        await AssertNothingWrittenAsync(kind);
    }

    /// <summary>
    /// Every JSON body, not only the items': a field the request does not have (a typo) or a value of the wrong type is a
    /// 400 problem naming the field. Until 2026-12-05 the other endpoints ignored unknown fields: <c>{"policy":"open"}</c>
    /// answered 200 and changed nothing.
    /// </summary>
    [Theory]
    [InlineData("PATCH", "groups/rust", """{"policy":"open"}""", "policy")]
    [InlineData("PATCH", "groups/rust", """{"postingPolicy":5}""", "postingPolicy")]
    [InlineData("POST", "groups/rust/moderation/remove", """{"reply":"https://x.example/r/1","reasons":"spam"}""", "reasons")]
    [InlineData("POST", "groups/rust/moderation/report", """{"object":"https://x.example/r/1","coment":"spam"}""", "coment")]
    [InlineData("POST", "groups/rust/bans", """{"actor":"https://x.example/u/1","why":"spam"}""", "why")]
    [InlineData("POST", "notes", """{"content":"hi","group":"rust","replyTo":"https://x.example/r/1"}""", "replyTo")]
    [InlineData("POST", "groups/rust/sessions/1/rsvp", """{"state":"accept"}""", "state")]
    [InlineData("POST", "groups/rust/sessions/1/attendees/approve", """{"actorId":"https://x.example/u/1"}""", "actorId")]
    [InlineData("POST", "groups/rust/sessions/1/reminders", """{"message":"soon","when":"now"}""", "when")]
    [InlineData("PATCH", "groups/rust", "[1]", "body")]
    [InlineData("PATCH", "groups/rust", """{"postingPolicy":""", "postingPolicy")]
    public async Task Every_json_body_refuses_unknown_fields_and_wrong_types_naming_them(string method, string path, string body, string field)
    {
        using var response = await _a.SendAsync(new HttpMethod(method), path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(400 == (int)response.StatusCode, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var message = (string?)JObject.Parse(text)["errors"]?[field]?[0];
        Assert.False(string.IsNullOrEmpty(message), text);
        Assert.DoesNotContain("FediLearn.", message);
    }

    /// <summary>A body that is not JSON, or none: a 400 or 415 that says what to send (it was <c>{"error":"HTTP 415"}</c>, or an empty 400).</summary>
    [Fact]
    public async Task A_body_that_is_not_json_or_missing_says_what_to_send()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Patch, $"{_a.Node.Origin}/api/groups/rust"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _a.Token);
            request.Content = new StringContent("postingPolicy=open", System.Text.Encoding.UTF8, "text/plain");
            using var response = await TestHelpers.Http.SendAsync(request);
            Assert.Equal(415, (int)response.StatusCode);
            Assert.Equal("Send the body as application/json.", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["error"]);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"{_a.Node.Origin}/api/groups/rust/bans"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _a.Token);
            request.Content = new StringContent("", System.Text.Encoding.UTF8, "application/json");
            using var response = await TestHelpers.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(400 == (int)response.StatusCode, $"{(int)response.StatusCode} {text}");
            Assert.Equal("Send a JSON object as the body.", (string?)JObject.Parse(text)["error"]);
        }
    }

    /// <summary>
    /// An actor id pasted with a space or a newline around it: the ban was stored with them, so it matched no actor's
    /// activities, and a later unban of the clean id was "not banned". Now the id is trimmed wherever a ban is made or lifted.
    /// </summary>
    [Fact]
    public async Task A_ban_of_an_actor_id_with_spaces_around_it_bans_that_actor_and_can_be_lifted()
    {
        using (var ban = await _a.SendAsync(HttpMethod.Post, "groups/rust/bans", new { actor = "  https://x.example/users/pasted \n", reason = "spam" }))
            Assert.True(204 == (int)ban.StatusCode, await ban.Content.ReadAsStringAsync());
        var stored = FaultHelpers.Query(_a.Node, "SELECT actor_uri FROM group_bans");
        Assert.Equal("https://x.example/users/pasted", Assert.Single(stored)[0]);
        using var unban = await _a.SendAsync(HttpMethod.Delete, $"groups/rust/bans?actor={Uri.EscapeDataString(" https://x.example/users/pasted ")}");
        Assert.True(204 == (int)unban.StatusCode, await unban.Content.ReadAsStringAsync());
        Assert.Empty(FaultHelpers.Query(_a.Node, "SELECT actor_uri FROM group_bans"));
    }

    /// <summary>
    /// An archived group takes replies from its facilitators only, whatever its setting. The PATCH answered the setting
    /// alone ("open"), as if it were in force; it now says both, as the CLI does.
    /// </summary>
    [Fact]
    public async Task Setting_the_posting_policy_of_an_archived_group_answers_the_policy_in_force_too()
    {
        using (var open = await _a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "open" }))
        {
            var body = JObject.Parse(await open.Content.ReadAsStringAsync());
            Assert.True(200 == (int)open.StatusCode, body.ToString());
            Assert.Equal("open", (string?)body["postingPolicyInForce"]);
        }
        // Archived as an archive date that has passed leaves it (the workspace's settings write the same column).
        using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_a.Node.DataPath, "fedilearn.db")};Default Timeout=30"))
        {
            sqlite.Open();
            using var command = sqlite.CreateCommand();
            command.CommandText = "UPDATE local_actors SET archive_at = '2020-01-01 00:00:00' WHERE name = 'rust'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        using var archived = await _a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "participants" });
        var answer = JObject.Parse(await archived.Content.ReadAsStringAsync());
        Assert.True(200 == (int)archived.StatusCode, answer.ToString());
        Assert.Equal("participants", (string?)answer["postingPolicy"]);
        Assert.Equal("facilitators", (string?)answer["postingPolicyInForce"]);
    }

    /// <summary>
    /// The same DELETE sent many times at once (a double click, a client's retries): one is made and sends one Delete, the
    /// others are 404 as a later DELETE is. Until 2026-12-05 two or three of sixteen could each send their own Delete.
    /// </summary>
    [Fact]
    public async Task The_same_delete_at_the_same_moment_is_made_once_and_sends_one_Delete()
    {
        for (var round = 0; round < 3; round++)
        {
            var created = JObject.Parse(await (await _a.SendAsync(HttpMethod.Post, "groups/rust/posts", new { content = $"soon gone {round}" })).Content.ReadAsStringAsync());
            var id = created.Value<long>("localId");
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                using var r = await _a.SendAsync(HttpMethod.Delete, $"groups/rust/posts/{id}");
                return (int)r.StatusCode;
            }));
            Assert.All(answers, s => Assert.True(s is 204 or 404, $"{s}"));
            Assert.Single(answers, s => s == 204);
            var deletes = FaultHelpers.Query(_a.Node, "SELECT count(*) FROM outbound_activities WHERE type = 'Delete' AND json LIKE $id",
                ("$id", $"%{created.Value<string>("id")}\"%"));
            Assert.Equal(1L, deletes[0][0]);
        }
        Assert.True(!_a.Node.Output.Contains("fail:"), _a.Node.Output);
    }

    [Fact]
    public async Task Missing_wrong_or_unauthorised_tokens_and_unknown_groups_are_refused()
    {
        var body = new { content = "hello" };
        using (var none = await _a.SendAsync(HttpMethod.Post, "groups/rust/posts", body, token: ""))
        {
            Assert.Equal(401, (int)none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.ToString());
        }
        using (var wrong = await _a.SendAsync(HttpMethod.Post, "groups/rust/posts", body, token: "flt_not-a-real-token"))
            Assert.Equal(401, (int)wrong.StatusCode);
        await _a.Node.CliWithInputAsync("another-password-2\n", "users", "add", "mo", "--email", "mo@example.org").MustAsync();
        var member = (await _a.Node.CliAsync("tokens", "add", "mo").MustAsync()).StdOut.Trim();
        using (var notFacilitator = await _a.SendAsync(HttpMethod.Post, "groups/rust/posts", body, token: member))
            Assert.Equal(403, (int)notFacilitator.StatusCode);
        using (var unknown = await _a.SendAsync(HttpMethod.Post, "groups/nope/posts", body))
            Assert.Equal(404, (int)unknown.StatusCode);
        using (var notJson = await _a.SendAsync(HttpMethod.Post, "groups/rust/posts", "content=hello"))
            Assert.Equal(400, (int)notJson.StatusCode);
        await AssertNothingWrittenAsync("posts");
    }

    [Fact]
    public async Task Uploads_are_typed_by_their_bytes_capped_in_size_and_attached_to_materials()
    {
        var png = FediLearn.Web.Html.GroupIcon.Png("upload");
        Assert.True(png.Length < 4096);
        var uploaded = await UploadAsync(png, "diagram.png", "image/png");
        Assert.Equal(201, uploaded.Status);
        var key = uploaded.Body.Value<string>("id")!;
        using (var served = await Http.GetAsync(uploaded.Body.Value<string>("url")))
        {
            Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal(png, await served.Content.ReadAsByteArrayAsync());
        }

        var script = await UploadAsync("<script>alert(1)</script>"u8.ToArray(), "evil.png", "image/png");
        Assert.Equal(400, script.Status);
        Assert.NotNull(script.Body["errors"]!["file"]);
        var big = await UploadAsync([.. png, .. new byte[8192]], "big.png", "image/png");
        // Over the limit is 413 however far over (a file just over it was a 400 until 2026-12-05), and says the limit.
        Assert.True(413 == big.Status, $"oversized upload answered {big.Status}: {big.Body}");
        Assert.Equal("Files are limited to 4 KiB.", big.Body.Value<string>("detail"));

        var material = await _a.PublishAsync("materials", new { title = "Diagram", content = "See the file.", mediaIds = new[] { key }, links = new[] { new { url = "https://example.org/notes", title = "Notes" } } });
        var article = await GetActivityJsonAsync(material.Value<string>("id")!);
        Assert.Equal("Article", article.Value<string>("type"));
        Assert.Equal("Image", article["attachment"]![0]!.Value<string>("type"));
        Assert.Equal(uploaded.Body.Value<string>("url"), article["attachment"]![0]!.Value<string>("url"));
        Assert.Equal("https://example.org/notes", article["attachment"]![1]!.Value<string>("href"));
    }

    /// <summary>
    /// A <c>?page=</c> that is not a whole number (a typo, one past int.MaxValue, <c>page</c> twice) failed the int binding
    /// before the handler ran: <c>{"error":"HTTP 400"}</c>, which said nothing (Paging.Requested). Now the collections say
    /// what a page is, and the API names the field.
    /// </summary>
    [Fact]
    public async Task A_page_that_is_not_a_whole_number_is_a_400_that_says_what_a_page_is()
    {
        var post = await _a.PublishAsync("posts", new { content = "Paged" });
        var origin = _a.Node.Origin;
        foreach (var url in new[] { $"{origin}/g/rust/outbox?page=abc", $"{origin}/g/rust/followers?page=99999999999999999999",
            $"{origin}/g/rust/outbox?page=1&page=2", $"{origin}/actor/following?page=abc", $"{post.Value<string>("id")}/replies?page=abc" })
        {
            using var response = await Http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(400 == (int)response.StatusCode, $"{url}: {(int)response.StatusCode} {body}");
            Assert.Contains("page must be between 1 and 100000", body);
        }
        using (var ok = await Http.GetAsync($"{origin}/g/rust/outbox?page="))
            Assert.Equal(200, (int)ok.StatusCode); // empty: no page asked for, the collection itself
        using var api = await _a.SendAsync(HttpMethod.Get, "groups/rust/posts?page=abc");
        var problem = JObject.Parse(await api.Content.ReadAsStringAsync());
        Assert.True(400 == (int)api.StatusCode, problem.ToString());
        Assert.NotNull(problem["errors"]!["page"]);
    }

    /// <summary>
    /// An edit of a scheduled item reschedules it, so its <c>publishAt</c> meets the same two-year bound as on creation; the
    /// edit skipped it and scheduled a post five years out. A published item's edit ignores <c>publishAt</c>, as before.
    /// </summary>
    [Fact]
    public async Task Rescheduling_by_an_edit_is_held_to_the_two_year_bound_as_creating_is()
    {
        var soon = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        var farOff = DateTimeOffset.UtcNow.AddYears(5).ToString("O");
        var scheduled = await _a.PublishAsync("posts", new { content = "Later", publishAt = soon });
        var path = $"groups/rust/posts/{scheduled.Value<long>("localId")}";
        using (var edit = await _a.SendAsync(HttpMethod.Put, path, new { content = "Much later", publishAt = farOff }))
        {
            var problem = JObject.Parse(await edit.Content.ReadAsStringAsync());
            Assert.True(400 == (int)edit.StatusCode, problem.ToString());
            Assert.NotNull(problem["errors"]!["publishAt"]);
        }
        using (var read = await _a.SendAsync(HttpMethod.Get, path))
        {
            var item = JObject.Parse(await read.Content.ReadAsStringAsync());
            Assert.Equal("Later", (string?)item["content"]);
            var at = new DateTimeOffset(item.Value<DateTime>("publishAt").ToUniversalTime());
            Assert.True(Math.Abs((at - DateTimeOffset.Parse(soon)).TotalSeconds) < 1, item.ToString());
        }
        var published = await _a.PublishAsync("posts", new { content = "Now" });
        using var ignored = await _a.SendAsync(HttpMethod.Put, $"groups/rust/posts/{published.Value<long>("localId")}", new { content = "Now, edited", publishAt = farOff });
        Assert.True(200 == (int)ignored.StatusCode, await ignored.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The API's item list takes pages up to 100000, as the collections do. Past 42949673 the offset (50 a page) overflowed
    /// an int: SQLite read the negative offset as none and answered page 1 again, PostgreSQL refused it (a 500).
    /// </summary>
    [Fact]
    public async Task An_item_list_page_past_the_last_one_allowed_is_a_400_not_page_one_again()
    {
        await _a.PublishAsync("posts", new { content = "The only post" });
        foreach (var page in new[] { "100001", "42949674", "2147483647" })
        {
            using var response = await _a.SendAsync(HttpMethod.Get, $"groups/rust/posts?page={page}");
            var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(400 == (int)response.StatusCode, $"page={page}: {(int)response.StatusCode} {problem}");
            Assert.Contains("100000", (string)problem["errors"]!["page"]![0]!);
        }
        using var last = await _a.SendAsync(HttpMethod.Get, "groups/rust/posts?page=100000");
        var list = JObject.Parse(await last.Content.ReadAsStringAsync());
        Assert.Equal(200, (int)last.StatusCode);
        Assert.Empty((JArray)list["items"]!);
        Assert.Equal(100000, (int)list["page"]!);
    }

    /// <summary>
    /// HEAD is answered wherever GET is, with GET's status and type and no body (HeadRequests): every MapGet route answered
    /// it 405, so an uptime probe of /health or a link checker took live addresses for broken ones. Razor Pages did already.
    /// </summary>
    [Fact]
    public async Task Head_is_answered_wherever_get_is()
    {
        var post = await _a.PublishAsync("posts", new { content = "Heads up" });
        var origin = _a.Node.Origin;
        var cases = new (string Url, string? Accept, int Status)[]
        {
            ($"{origin}/", null, 200), ($"{origin}/g/rust", "text/html", 200), ($"{origin}/g/rust", "application/activity+json", 200),
            ($"{post.Value<string>("id")}", "application/activity+json", 200), ($"{origin}/g/rust/outbox", null, 200),
            ($"{origin}/groups/rust/feed.atom", null, 200), ($"{origin}/groups/rust/sessions.ics", null, 200),
            ($"{origin}/.well-known/webfinger?resource=acct:rust@{_a.Node.Authority}", null, 200), ($"{origin}/health", null, 200),
            ($"{origin}/login", "text/html", 200), ($"{origin}/g/no-such-group", "text/html", 404),
        };
        foreach (var (url, accept, status) in cases)
        {
            using var head = new HttpRequestMessage(HttpMethod.Head, url);
            using var get = new HttpRequestMessage(HttpMethod.Get, url);
            if (accept is not null) { head.Headers.Accept.ParseAdd(accept); get.Headers.Accept.ParseAdd(accept); }
            using var headResponse = await Http.SendAsync(head);
            using var getResponse = await Http.SendAsync(get);
            Assert.True(status == (int)headResponse.StatusCode, $"HEAD {url} ({accept}): {(int)headResponse.StatusCode}");
            Assert.Equal((int)getResponse.StatusCode, (int)headResponse.StatusCode);
            Assert.Equal(getResponse.Content.Headers.ContentType?.MediaType, headResponse.Content.Headers.ContentType?.MediaType);
            Assert.Empty(await headResponse.Content.ReadAsByteArrayAsync());
        }
        using var post405 = await Http.PostAsync($"{origin}/health", null);
        Assert.Equal(405, (int)post405.StatusCode); // only HEAD joins GET
    }

    /// <summary>
    /// A method an address does not take is a 405 that says which it does (ErrorResponses.MethodNotAllowed), where the
    /// answer was <c>{"error":"HTTP 405"}</c> or "Error 405"; and a page's <c>Allow</c> names HEAD too.
    /// </summary>
    [Fact]
    public async Task A_method_an_address_does_not_take_is_a_405_naming_the_ones_it_does()
    {
        using var api = await _a.SendAsync(HttpMethod.Get, "groups/rust");
        var body = await api.Content.ReadAsStringAsync();
        Assert.True(405 == (int)api.StatusCode, body);
        Assert.Contains("does not take GET requests; it takes PATCH", body);

        using var delete = new HttpRequestMessage(HttpMethod.Delete, _a.Group);
        delete.Headers.Accept.ParseAdd("text/html");
        using var page = await Http.SendAsync(delete);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(405, (int)page.StatusCode);
        Assert.Equal(["GET", "HEAD"], page.Content.Headers.Allow.OrderBy(m => m, StringComparer.Ordinal));
        Assert.Contains("does not take DELETE requests; it takes GET, HEAD.", html);
    }

    /// <summary>
    /// A feed, file or icon that is not there is a readable page for a browser (a visitor's "add to calendar" link to a
    /// session that never was) and JSON for calendar apps and scripts; the browser got raw JSON until 2026-12-06. (A
    /// session since deleted answers 410 the same two ways: ItemPageTests.)
    /// </summary>
    [Fact]
    public async Task Missing_feeds_files_and_icons_are_a_page_for_browsers_and_json_for_the_rest()
    {
        var origin = _a.Node.Origin;
        foreach (var url in new[] { $"{_a.Group}/sessions/999999.ics", $"{origin}/groups/no-such-group/sessions.ics",
            $"{origin}/groups/no-such-group/feed.atom", $"{origin}/media/0123456789abcdef0123456789abcdef.png", $"{origin}/g/no-such-group/icon.png" })
        {
            using var browser = new HttpRequestMessage(HttpMethod.Get, url);
            browser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            using var page = await Http.SendAsync(browser);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(404, (int)page.StatusCode);
            Assert.True("text/html" == page.Content.Headers.ContentType?.MediaType, $"{url}: {html}");
            Assert.Contains("<h1>Not found</h1>", html);
            using var other = await Http.GetAsync(url);
            Assert.Equal(404, (int)other.StatusCode);
            Assert.Equal("application/json", other.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(JObject.Parse(await other.Content.ReadAsStringAsync())["error"]);
        }
    }

    [Fact]
    public async Task The_calendar_parses_in_a_real_parser_with_the_right_instants_across_a_DST_change_and_the_feed_is_Atom()
    {
        var before = await _a.PublishAsync("sessions", new { title = "Before DST", content = "x", startsAt = "2027-03-25T19:00", endsAt = "2027-03-25T20:00", timezone = "Europe/Amsterdam", place = "Library, room 2" });
        var after = await _a.PublishAsync("sessions", new { title = "After DST", content = "y", startsAt = "2027-03-30T19:00", endsAt = "2027-03-30T20:00", timezone = "Europe/Amsterdam", joinUrl = "https://meet.example/b" });
        using (var cancel = await _a.SendAsync(HttpMethod.Put, $"groups/rust/sessions/{after.Value<long>("localId")}",
            new { title = "After DST", content = "y", startsAt = "2027-03-30T19:00", endsAt = "2027-03-30T20:00", timezone = "Europe/Amsterdam", joinUrl = "https://meet.example/b", cancelled = true }))
            Assert.Equal(200, (int)cancel.StatusCode);

        var ics = await Http.GetStringAsync($"{_a.Node.Origin}/groups/rust/sessions.ics");
        var file = Path.Combine(_a.Node.DataPath, "sessions.ics");
        await File.WriteAllTextAsync(file, ics);
        var parsed = await PythonAsync($$"""
            import icalendar, sys
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            for e in cal.walk('VEVENT'):
                print(str(e['SUMMARY']), e.decoded('DTSTART').isoformat(), e.decoded('DTEND').isoformat(), str(e.get('STATUS')), str(e['UID']))
            """, file);
        Assert.Contains($"Before DST 2027-03-25T18:00:00+00:00 2027-03-25T19:00:00+00:00 CONFIRMED {before.Value<string>("id")}", parsed);
        Assert.Contains($"After DST 2027-03-30T17:00:00+00:00 2027-03-30T18:00:00+00:00 CANCELLED {after.Value<string>("id")}", parsed);

        var atom = XDocument.Parse(await Http.GetStringAsync($"{_a.Node.Origin}/groups/rust/feed.atom"));
        XNamespace ns = "http://www.w3.org/2005/Atom";
        var titles = atom.Root!.Elements(ns + "entry").Select(e => e.Element(ns + "title")!.Value).ToList();
        Assert.Equal(["After DST", "Before DST"], titles);

        using var page = new HttpRequestMessage(HttpMethod.Get, before.Value<string>("id"));
        page.Headers.Accept.ParseAdd("text/html");
        var html = await (await Http.SendAsync(page)).Content.ReadAsStringAsync();
        Assert.Contains("Thu 25 March 2027, 19:00–20:00 CET (Europe/Amsterdam)", html);
        Assert.Contains("Add to calendar", html);
    }

    private async Task AssertNothingWrittenAsync(string kind)
    {
        using var list = await _a.SendAsync(HttpMethod.Get, $"groups/rust/{kind}");
        var items = (JArray)JObject.Parse(await list.Content.ReadAsStringAsync())["items"]!;
        Assert.DoesNotContain(items, i => i.Value<string>("content") is "no title" or "" or "pick" || i.Value<string>("title") == "s" || i.Value<string>("title") == "m");
        var outbox = await GetActivityJsonAsync($"{_a.Group}/outbox");
        Assert.DoesNotContain("no title", outbox.ToString());
    }

    private async Task<(int Status, JObject Body)> UploadAsync(byte[] bytes, string name, string type)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(file, "file", name);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_a.Node.Origin}/api/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _a.Token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.StartsWith('{') ? JObject.Parse(text) : new JObject { ["raw"] = text });
    }

    /// <summary>Debian's python3 with python3-icalendar (installed by scripts/install-test-deps.sh): an independent calendar parser.</summary>
    private static async Task<string> PythonAsync(string script, string argument)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("/usr/bin/python3 is missing: run scripts/install-test-deps.sh"); }
        using (process)
        {
            var stdout = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"python3 failed (run scripts/install-test-deps.sh if icalendar is missing): {stderr}");
            return stdout;
        }
    }
}
