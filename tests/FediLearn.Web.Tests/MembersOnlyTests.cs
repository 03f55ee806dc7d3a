using System.Net.Http.Headers;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6 item 3, private cohorts: a members-only group's prompt reaches its approved participants' own inboxes, is
/// addressed to them alone, and is readable by their servers and by nobody else through every path (the object, its
/// replies and context, the outbox, the activity, the HTML pages, the feeds). Replies are relayed to participants only;
/// a removed participant gets nothing new. Three independent fake servers on 127.0.0.1 play the participant servers
/// and the outsider.
/// </summary>
public sealed class MembersOnlyTests
{
    private const string PublicIri = "https://www.w3.org/ns/activitystreams#Public";

    [Fact]
    public async Task A_members_only_prompt_is_delivered_to_and_readable_by_participants_servers_only_through_every_path()
    {
        await using var node = await NodeProcess.StartAsync("members-only");
        await using var inside = await FakeRemoteServer.StartAsync();   // a participant's server
        await using var second = await FakeRemoteServer.StartAsync();   // another participant's server, later removed
        await using var outside = await FakeRemoteServer.StartAsync();  // asked to join, never approved
        await node.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@example.org").MustAsync();
        var created = await node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        Assert.Contains("members-only", created.StdOut);
        var token = (await node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
        var group = $"{node.Origin}/g/cohort";

        // The actor stays public (people must find it to ask to join): it approves each follower and is not listed.
        var actor = await GetActivityJsonAsync(group);
        Assert.True(actor.Value<bool>("manuallyApprovesFollowers"));
        Assert.False(actor.Value<bool>("discoverable"));

        foreach (var server in new[] { inside, second, outside })
            using (var follow = await server.SendAsync($"{group}/inbox", server.Follow(group)))
                Assert.Equal(202, (int)follow.StatusCode);
        await EventuallyAsync(async () => (await node.CliAsync("followers", "list", "cohort")).StdOut.Split('\n').Count(l => l.Contains(" pending")) == 3,
            "three pending requests", node);
        await node.CliAsync("followers", "approve", "cohort", inside.ActorId).MustAsync();
        await node.CliAsync("followers", "approve", "cohort", second.ActorId).MustAsync();
        await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        await second.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var prompt = (await PublishAsync(node, token, new { content = "What is the secret handshake of this cohort?" })).Value<string>("id")!;

        // Delivered to each participant's own inbox (not the shared one), addressed to the followers and never Public.
        var create = await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        Assert.Equal(new Uri(inside.Inbox).AbsolutePath, create.Path);
        Assert.True(await VerifyFromNodeAsync(create, inside.Inbox));
        Assert.DoesNotContain(PublicIri, create.Activity.ToString());
        Assert.Equal([$"{group}/followers"], create.Activity["to"]!.Values<string>());
        Assert.Equal([$"{group}/followers"], create.Activity["object"]!["to"]!.Values<string>());
        await second.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        var createActivity = create.Activity.Value<string>("id")!;

        // Every path: the participant's server reads it; the outsider, an unsigned request and a forged one get 403.
        var (forgedKey, _) = KeyGenerator.NewRsa2048();
        var paths = new[] { prompt, $"{prompt}/replies", $"{prompt}/replies?page=1", $"{prompt}/context?page=1", $"{group}/outbox", $"{group}/outbox?page=1",
            createActivity, $"{group}/followers", $"{group}/featured" };
        foreach (var url in paths)
        {
            using var allowed = await inside.GetAsync(url);
            Assert.True(200 == (int)allowed.StatusCode, $"{url} for a participant's server: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
            Assert.Contains("Signature", allowed.Headers.Vary); // no cache hands a participant's answer to anyone else
            Assert.True(allowed.Headers.CacheControl is { Private: true, NoStore: true }, $"{url}: Cache-Control {allowed.Headers.CacheControl}");
            await AssertForbiddenAsync(await outside.GetAsync(url), url, "none of its participants");
            await AssertForbiddenAsync(await inside.GetAsync(url, sign: false), url, "sign the request");
            await AssertForbiddenAsync(await inside.GetAsync(url, signWithPem: forgedKey), url, "sign the request");
        }
        // Routes that answer only ActivityPub JSON: a signed GET with no Accept (or */*) is still the server's, read or
        // refused by its signer, as with the Accept (until 2026-12-06 it got 403 whoever signed it).
        foreach (var url in new[] { $"{group}/outbox?page=1", createActivity, $"{group}/followers" })
        foreach (var accept in new[] { null, "*/*" })
        {
            using var allowed = await inside.GetAsync(url, accept: accept);
            Assert.True(200 == (int)allowed.StatusCode, $"{url}, Accept {accept ?? "none"}, for a participant's server: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
            await AssertForbiddenAsync(await outside.GetAsync(url, accept: accept), url, "none of its participants");
            await AssertForbiddenAsync(await inside.GetAsync(url, sign: false, accept: accept), url, "members-only");
        }
        using (var outbox = await inside.GetAsync($"{group}/outbox?page=1"))
            Assert.Contains(prompt, await outbox.Content.ReadAsStringAsync());
        using (var context = await inside.GetAsync($"{prompt}/context?page=1"))
            Assert.Contains(prompt, await context.Content.ReadAsStringAsync());

        // People: the object's page, the group's page (who it is and how to ask to join, none of its content), the feeds.
        foreach (var url in new[] { prompt, group })
        {
            using var page = await GetHtmlAsync(url);
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(403 == (int)page.StatusCode, $"{url} as a page: {(int)page.StatusCode}");
            Assert.Contains("Members only", html);
            Assert.DoesNotContain("secret handshake", html);
        }
        using (var groupPage = await GetHtmlAsync(group))
            Assert.Contains("Follow from your fediverse account", await groupPage.Content.ReadAsStringAsync());
        foreach (var feed in new[] { $"{node.Origin}/groups/cohort/feed.atom", $"{node.Origin}/groups/cohort/sessions.ics" })
        {
            using var response = await Http.GetAsync(feed);
            Assert.Equal(403, (int)response.StatusCode);
            Assert.DoesNotContain("secret handshake", await response.Content.ReadAsStringAsync());
        }
        using (var home = await GetHtmlAsync(node.Origin + "/"))
        {
            var html = await home.Content.ReadAsStringAsync();
            Assert.Contains("Closed cohort", html);
            Assert.DoesNotContain("secret handshake", html);
        }

        // A participant's reply is kept and relayed to the other participant only; an outsider's is neither.
        var reply = inside.MastodonReply("learner", $"{inside.Origin}/users/learner/statuses/1", prompt, group, "@cohort@" + node.Authority, "<p>Two taps and a nod.</p>");
        using (var sent = await inside.SendAsync($"{group}/inbox", reply)) Assert.Equal(202, (int)sent.StatusCode);
        var relay = await second.WaitForAsync(r => r.Activity.Value<string>("type") == "Announce", TimeSpan.FromSeconds(30));
        Assert.Equal(new Uri(second.Inbox).AbsolutePath, relay.Path);
        Assert.DoesNotContain(PublicIri, relay.Activity["to"]!.ToString() + relay.Activity["cc"]);
        var intruder = outside.MastodonReply("learner", $"{outside.Origin}/users/learner/statuses/9", prompt, group, "@cohort@" + node.Authority, "<p>Let me in</p>");
        using (var sent = await outside.SendAsync($"{group}/inbox", intruder)) Assert.Equal(202, (int)sent.StatusCode);
        await EventuallyAsync(async () =>
        {
            using var replies = await inside.GetAsync($"{prompt}/replies?page=1");
            return (await replies.Content.ReadAsStringAsync()).Contains($"{inside.Origin}/users/learner/statuses/1");
        }, "the participant's reply is in the replies collection", node);
        await Task.Delay(1500);
        using (var replies = await inside.GetAsync($"{prompt}/context?page=1"))
            Assert.DoesNotContain("statuses/9", await replies.Content.ReadAsStringAsync());
        Assert.DoesNotContain(outside.Received, r => r.Activity.Value<string>("type") is "Create" or "Announce");

        // A removed participant gets a Reject, nothing new afterwards, and their server can no longer read.
        await node.CliAsync("followers", "remove", "cohort", second.ActorId).MustAsync();
        await second.WaitForAsync(r => r.Activity.Value<string>("type") == "Reject", TimeSpan.FromSeconds(30));
        var next = (await PublishAsync(node, token, new { content = "After the removal" })).Value<string>("id")!;
        await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Create" && r.Activity["object"]?.Value<string>("id") == next, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        Assert.DoesNotContain(second.Received, r => r.Activity["object"] is JObject o && o.Value<string>("id") == next);
        await AssertForbiddenAsync(await second.GetAsync(next), next, "none of its participants");

        // Deleted: the participant's server sees the Tombstone (410); everyone else still 403, never 404 or 410.
        using (var deleted = await SendApiAsync(node, token, HttpMethod.Delete, $"groups/cohort/prompts/{prompt.Split('/').Last()}"))
            Assert.True(deleted.IsSuccessStatusCode, $"{(int)deleted.StatusCode}");
        foreach (var url in new[] { prompt, $"{prompt}/replies", $"{prompt}/context?page=1" })
        {
            using (var gone = await inside.GetAsync(url)) Assert.True(410 == (int)gone.StatusCode, $"{url}: {(int)gone.StatusCode}");
            await AssertForbiddenAsync(await outside.GetAsync(url), url, "none of its participants");
            await AssertForbiddenAsync(await inside.GetAsync(url, sign: false), url, "sign the request");
        }
        Assert.DoesNotContain("Unhandled", node.Output);
    }

    [Fact]
    public async Task A_public_group_stays_public_and_delivers_to_shared_inboxes()
    {
        // The twin of the test above: the same steps without --members-only read like any group's.
        await using var a = await PublishingNode.StartAsync("not-members-only");
        await using var remote = await FakeRemoteServer.StartAsync();
        using (var follow = await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))) Assert.Equal(202, (int)follow.StatusCode);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var prompt = (await a.PublishAsync("prompts", new { content = "Open to all" })).Value<string>("id")!;
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        Assert.Equal("/inbox", create.Path);
        Assert.Contains(PublicIri, create.Activity["to"]!.Values<string>());
        await using var stranger = await FakeRemoteServer.StartAsync();
        using (var read = await stranger.GetAsync(prompt)) Assert.Equal(200, (int)read.StatusCode);
        using (var page = await GetHtmlAsync(prompt)) Assert.Equal(200, (int)page.StatusCode);
        using (var feed = await Http.GetAsync($"{a.Node.Origin}/groups/rust/feed.atom")) Assert.Contains("Open to all", await feed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_members_only_group_refuses_an_open_posting_policy_and_joins_from_non_participants()
    {
        await using var a = await PublishingNode.StartAsync("members-only-rules");
        await a.Node.CliAsync("groups", "add", "cohort", "--title", "Closed", "--facilitator", "ana", "--members-only").MustAsync();
        var refused = await a.Node.CliAsync("groups", "set", "cohort", "--posting-policy", "open");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("members-only", refused.StdOut + refused.StdErr);
        using (var patch = await a.SendAsync(HttpMethod.Patch, "groups/cohort", new { postingPolicy = "open" }))
        {
            Assert.Equal(400, (int)patch.StatusCode);
            Assert.Contains("members-only", await patch.Content.ReadAsStringAsync());
        }
        // The twin: a public group takes the same setting.
        await a.Node.CliAsync("groups", "set", "rust", "--posting-policy", "open").MustAsync();
        using (var patch = await a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "open" }))
            Assert.Equal(200, (int)patch.StatusCode);

        await using var outside = await FakeRemoteServer.StartAsync();
        var token = a.Token;
        var session = (await PublishAsync(a.Node, token, new
        {
            title = "Week 1 call", content = "Live", startsAt = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm"),
            endsAt = DateTime.UtcNow.AddDays(3).AddHours(1).ToString("yyyy-MM-ddTHH:mm"), timezone = "UTC", joinUrl = "https://meet.example/x",
        }, "sessions")).Value<string>("id")!;
        var join = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{outside.Origin}/join/1", ["type"] = "Join",
            ["actor"] = outside.ActorId, ["object"] = session,
        };
        using (var sent = await outside.SendAsync($"{a.Node.Origin}/g/cohort/inbox", join)) Assert.Equal(202, (int)sent.StatusCode);
        var answer = await outside.WaitForAsync(r => r.Activity.Value<string>("type") is "Accept" or "Reject", TimeSpan.FromSeconds(30));
        Assert.Equal("Reject", answer.Activity.Value<string>("type"));

        // A member of this node who is not a participant meets the same rule through the API (before, their yes was
        // recorded and the reminder with the join link reached them); the facilitator, the twin, may come.
        await a.Node.CliWithInputAsync("a-long-password-3\n", "users", "add", "mo", "--email", "mo@example.org").MustAsync();
        var mo = (await a.Node.CliAsync("tokens", "add", "mo").MustAsync()).StdOut.Trim();
        var rsvp = $"groups/cohort/sessions/{session[(session.LastIndexOf('/') + 1)..]}/rsvp";
        using (var outsider = await a.SendAsync(HttpMethod.Post, rsvp, new { status = "yes" }, token: mo))
        {
            Assert.Equal(403, (int)outsider.StatusCode);
            Assert.Contains("members-only", await outsider.Content.ReadAsStringAsync());
        }
        using (var facilitator = await a.SendAsync(HttpMethod.Post, rsvp, new { status = "yes" }))
            Assert.Equal(204, (int)facilitator.StatusCode);
        Assert.Equal([(object?)"yes"], (await AttendeesAsync(a, rsvp.Replace("/rsvp", "/attendees"))).Select(x => (object?)x.Value<string>("status")));
    }

    private static async Task<List<JObject>> AttendeesAsync(PublishingNode a, string path)
    {
        using var response = await a.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, (int)response.StatusCode);
        return JObject.Parse(await response.Content.ReadAsStringAsync())["attendees"]!.Cast<JObject>().ToList();
    }

    [Fact]
    public async Task A_facilitators_note_in_a_members_only_thread_reaches_participants_only_and_other_members_cannot_post_there()
    {
        await using var node = await NodeProcess.StartAsync("members-only-notes");
        await using var inside = await FakeRemoteServer.StartAsync();
        await using var outside = await FakeRemoteServer.StartAsync();
        await node.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@example.org").MustAsync();
        await node.CliWithInputAsync("a-long-password-2\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        await node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        var ana = (await node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
        var bo = (await node.CliAsync("tokens", "add", "bo").MustAsync()).StdOut.Trim();
        var group = $"{node.Origin}/g/cohort";
        using (var follow = await inside.SendAsync($"{group}/inbox", inside.Follow(group))) Assert.Equal(202, (int)follow.StatusCode);
        await EventuallyAsync(async () => (await node.CliAsync("followers", "list", "cohort")).StdOut.Contains(" pending"), "pending request", node);
        await node.CliAsync("followers", "approve", "cohort", inside.ActorId).MustAsync();
        var prompt = (await PublishAsync(node, ana, new { content = "Share your draft" })).Value<string>("id")!;
        await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));

        string noteId;
        using (var note = await SendApiAsync(node, ana, HttpMethod.Post, "notes", new { content = "The secret handshake is in chapter 3", inReplyTo = prompt }))
        {
            var text = await note.Content.ReadAsStringAsync();
            Assert.True(201 == (int)note.StatusCode, $"{(int)note.StatusCode}: {text}");
            noteId = JObject.Parse(text).Value<string>("id")!;
            var relay = await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Announce", TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(PublicIri, relay.Activity.ToString()); // neither the group's Announce nor ana's Create inside it
            using (var read = await inside.GetAsync(noteId)) Assert.Equal(200, (int)read.StatusCode);
            await AssertForbiddenAsync(await outside.GetAsync(noteId), noteId, "none of its participants");
            using var page = await GetHtmlAsync(noteId);
            Assert.Equal(403, (int)page.StatusCode);
            Assert.DoesNotContain("Share your draft", await page.Content.ReadAsStringAsync());
        }

        // A member of the node who does not facilitate the cohort cannot answer in it (and so cannot show its thread).
        using (var refused = await SendApiAsync(node, bo, HttpMethod.Post, "notes", new { content = "Me too", inReplyTo = prompt }))
        {
            Assert.Equal(400, (int)refused.StatusCode);
            Assert.Contains("members-only", await refused.Content.ReadAsStringAsync());
        }
        using (var thread = await SendApiAsync(node, bo, HttpMethod.Get, $"thread?object={Uri.EscapeDataString(prompt)}"))
            Assert.Equal(403, (int)thread.StatusCode);
        using (var own = await SendApiAsync(node, ana, HttpMethod.Get, $"thread?object={Uri.EscapeDataString(prompt)}"))
            Assert.Contains("secret handshake", await own.Content.ReadAsStringAsync());

        // Its Delete is addressed as the note was: until 2026-12-05 it said Public and ana's followers.
        using (var delete = await SendApiAsync(node, ana, HttpMethod.Delete, $"notes/{noteId[(noteId.LastIndexOf('/') + 1)..]}"))
            Assert.True(delete.IsSuccessStatusCode, $"{(int)delete.StatusCode} {await delete.Content.ReadAsStringAsync()}");
        var deleted = await inside.WaitForAsync(r => r.Activity.ToString().Contains("\"Delete\""), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(PublicIri, deleted.Activity.ToString());
        Assert.DoesNotContain($"{node.Origin}/u/ana/followers", deleted.Activity.ToString());
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string url, string why)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(403 == (int)response.StatusCode, $"{url}: expected 403, got {(int)response.StatusCode} {body}");
            Assert.Contains(why, JObject.Parse(body).Value<string>("error"));
            Assert.DoesNotContain("secret handshake", body);
        }
    }

    private static Task<HttpResponseMessage> GetHtmlAsync(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        return Http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendApiAsync(NodeProcess node, string token, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, $"{node.Origin}/api/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(JObject.FromObject(body).ToString(), Encoding.UTF8, "application/json");
        return Http.SendAsync(request);
    }

    private static async Task<JObject> PublishAsync(NodeProcess node, string token, object body, string kind = "prompts")
    {
        using var response = await SendApiAsync(node, token, HttpMethod.Post, $"groups/cohort/{kind}", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 201, $"{(int)response.StatusCode}: {text}");
        return JObject.Parse(text);
    }
}
