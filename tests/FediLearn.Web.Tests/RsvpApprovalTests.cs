using System.Globalization;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 4: facilitators approve or refuse pending Joins (Accept{Join} / Reject{Join}, within capacity) and remind those
/// coming with a direct Note from the group; also through the CLI verb "sessions".
/// </summary>
public sealed class RsvpApprovalTests
{
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";

    [Fact]
    public async Task Pending_joins_are_approved_with_Accept_or_refused_with_Reject_and_approval_respects_capacity()
    {
        await using var a = await PublishingNode.StartAsync("rsvp-approval");
        await using var remote = await FakeRemoteServer.StartAsync();
        var session = await a.PublishAsync("sessions", Session("Lab", capacity: 1, requireApproval: true));
        var eventId = session.Value<string>("id")!;
        var path = $"groups/rust/sessions/{session.Value<long>("localId")}/attendees";

        var joins = new Dictionary<string, JObject>();
        foreach (var name in new[] { "learner", "bea", "cem" })
        {
            joins[name] = Activity(remote, "Join", name, $"join/{name}", eventId);
            (await remote.SendAsync($"{a.Node.Origin}/inbox", joins[name])).Dispose();
        }
        await EventuallyAsync(async () => (await AttendeesAsync(a, path)).Count(x => x.Value == "pending") == 3, "three pending Joins", a.Node);
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") is "Accept" or "Reject");

        using (var approve = await a.SendAsync(HttpMethod.Post, $"{path}/approve", new { actor = remote.Actor("learner") }))
            Assert.Equal(204, (int)approve.StatusCode);
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.True(JToken.DeepEquals(joins["learner"], accept.Activity["object"]), "Accept embeds the stored Join unchanged");
        Assert.Equal($"{a.Node.Origin}/g/rust", accept.Activity.Value<string>("actor"));
        Assert.Equal(new Uri(remote.Inbox).AbsolutePath, accept.Path);
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox), "the Accept is signed by the group");
        Assert.Equal("yes", (await AttendeesAsync(a, path))[remote.Actor("learner")]);
        Assert.Equal(1, (await GetActivityJsonAsync(eventId)).Value<int>("participantCount"));

        using (var full = await a.SendAsync(HttpMethod.Post, $"{path}/approve", new { actor = remote.Actor("bea") }))
        {
            Assert.Equal(409, (int)full.StatusCode);
            Assert.Contains("the session is full", await full.Content.ReadAsStringAsync());
        }
        Assert.Equal("pending", (await AttendeesAsync(a, path))[remote.Actor("bea")]);

        using (var reject = await a.SendAsync(HttpMethod.Post, $"{path}/reject", new { actor = remote.Actor("cem") }))
            Assert.Equal(204, (int)reject.StatusCode);
        var rejected = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Reject", TimeSpan.FromSeconds(30));
        Assert.True(JToken.DeepEquals(joins["cem"], rejected.Activity["object"]), "Reject embeds the stored Join unchanged");
        Assert.True(await VerifyFromNodeAsync(rejected, $"{remote.Actor("cem")}/inbox"));
        Assert.False((await AttendeesAsync(a, path)).ContainsKey(remote.Actor("cem")), "a refused attendee is gone");

        // Not pending any more, never asked, a member who does not facilitate, no actor, no such session.
        using (var again = await a.SendAsync(HttpMethod.Post, $"{path}/approve", new { actor = remote.Actor("learner") }))
            Assert.Equal(409, (int)again.StatusCode);
        using (var unknown = await a.SendAsync(HttpMethod.Post, $"{path}/reject", new { actor = remote.Actor("nobody") }))
            Assert.Equal(409, (int)unknown.StatusCode);
        var bobToken = await MemberTokenAsync(a, "bob");
        using (var forbidden = await a.SendAsync(HttpMethod.Post, $"{path}/reject", new { actor = remote.Actor("bea") }, bobToken))
            Assert.Equal(403, (int)forbidden.StatusCode);
        using (var missing = await a.SendAsync(HttpMethod.Post, $"{path}/approve", new { actor = " " }))
        {
            Assert.Equal(400, (int)missing.StatusCode);
            Assert.Contains("actor", await missing.Content.ReadAsStringAsync());
        }
        using (var noSession = await a.SendAsync(HttpMethod.Post, "groups/rust/sessions/999/attendees/approve", new { actor = remote.Actor("bea") }))
            Assert.Equal(404, (int)noSession.StatusCode);
        Assert.Equal("pending", (await AttendeesAsync(a, path))[remote.Actor("bea")]);
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Accept");
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Reject");
    }

    [Fact]
    public async Task A_reminder_reaches_only_yes_and_maybe_attendees_privately_in_reply_to_the_session()
    {
        await using var a = await PublishingNode.StartAsync("rsvp-remind");
        await using var remote = await FakeRemoteServer.StartAsync();
        await using var other = await FakeRemoteServer.StartAsync();
        var body = Session("Lab");
        var session = await a.PublishAsync("sessions", body);
        var eventId = session.Value<string>("id")!;
        var localId = session.Value<long>("localId");
        var path = $"groups/rust/sessions/{localId}";

        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity(remote, "Join", "learner", "join/1", eventId))).Dispose();
        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity(remote, "TentativeAccept", "cem", "maybe/1", eventId))).Dispose();
        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity(remote, "Reject", "dan", "no/1", eventId))).Dispose();
        (await other.SendAsync($"{a.Node.Origin}/inbox", Activity(other, "Reject", "eve", "no/2", eventId))).Dispose();
        using (var mine = await a.SendAsync(HttpMethod.Post, $"{path}/rsvp", new { status = "maybe" }))
            Assert.Equal(204, (int)mine.StatusCode);
        await EventuallyAsync(async () => (await AttendeesAsync(a, $"{path}/attendees")).Count == 5, "five answers", a.Node);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        using (var remind = await a.SendAsync(HttpMethod.Post, $"{path}/reminders", new { message = "Bring <your> laptop\n\nSee you!" }))
        {
            var text = await remind.Content.ReadAsStringAsync();
            Assert.True((int)remind.StatusCode == 202, $"{(int)remind.StatusCode}: {text}");
            Assert.Equal(3, JObject.Parse(text).Value<int>("attendees"));
        }
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        Assert.Equal("/inbox", create.Path); // the shared inbox, once for both attendees there
        Assert.True(await VerifyFromNodeAsync(create, remote.SharedInbox), "signed by the group");
        var note = (JObject)create.Activity["object"]!;
        var expected = new[] { remote.Actor("learner"), remote.Actor("cem"), $"{a.Node.Origin}/u/ana" };
        Assert.Equal(expected.Order(), Strings(create.Activity["to"]).Order());
        Assert.Equal(expected.Order(), Strings(note["to"]).Order());
        Assert.DoesNotContain(Public, create.Activity.ToString());
        Assert.Null(note["cc"]);
        Assert.Equal("Note", note.Value<string>("type"));
        Assert.Equal($"{a.Node.Origin}/g/rust", note.Value<string>("attributedTo"));
        Assert.Equal(eventId, note.Value<string>("inReplyTo"));
        Assert.StartsWith(create.Activity.Value<string>("id")!, note.Value<string>("id")!);
        Assert.Contains("<p>Bring &lt;your&gt; laptop</p><p>See you!</p>", note.Value<string>("content")!);
        Assert.Contains(eventId, note.Value<string>("content")!);
        var mentions = note["tag"]!.Where(t => t.Value<string>("type") == "Mention").Select(t => t.Value<string>("href")).ToList();
        Assert.Equal(expected.Order(), mentions.Order());
        Assert.Contains(note["tag"]!, t => t.Value<string>("name") == $"@learner@{new Uri(remote.Origin).Authority}");

        // The "no" answers are not addressed; the other server, where only a "no" lives, gets nothing.
        Assert.DoesNotContain(remote.Actor("dan"), create.Activity.ToString());
        await Task.Delay(1500);
        Assert.DoesNotContain(other.Received, r => r.Activity.Value<string>("type") == "Create");
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Create");

        // It exists but is not public: 403, never 404.
        using (var request = new HttpRequestMessage(HttpMethod.Get, create.Activity.Value<string>("id")))
        {
            request.Headers.Accept.ParseAdd("application/activity+json");
            using var response = await Http.SendAsync(request);
            Assert.Equal(403, (int)response.StatusCode);
        }

        // Without a message: the title and the start in the session's timezone.
        using (var plain = await a.SendAsync(HttpMethod.Post, $"{path}/reminders", new { }))
            Assert.Equal(202, (int)plain.StatusCode);
        await EventuallyAsync(() => Task.FromResult(remote.Received.Count(r => r.Activity.Value<string>("type") == "Create") == 2), "a second reminder", a.Node);
        var second = remote.Received.Last(r => r.Activity.Value<string>("type") == "Create");
        var start = DateTime.Parse((string)body["startsAt"]!, CultureInfo.InvariantCulture);
        Assert.Contains($"Reminder: Lab starts {start.ToString("ddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture)}", second.Activity["object"]!.Value<string>("content")!);
        Assert.Contains("(Europe/Berlin)", second.Activity["object"]!.Value<string>("content")!);

        var bobToken = await MemberTokenAsync(a, "bob");
        using (var forbidden = await a.SendAsync(HttpMethod.Post, $"{path}/reminders", new { }, bobToken))
            Assert.Equal(403, (int)forbidden.StatusCode);

        body["cancelled"] = true;
        using (var cancel = await a.SendAsync(HttpMethod.Put, path, body))
            Assert.Equal(200, (int)cancel.StatusCode);
        using (var cancelled = await a.SendAsync(HttpMethod.Post, $"{path}/reminders", new { message = "still on?" }))
        {
            Assert.Equal(409, (int)cancelled.StatusCode);
            Assert.Contains("cancelled", await cancelled.Content.ReadAsStringAsync());
        }
        var past = await a.PublishAsync("sessions", Session("Old lab", days: -3));
        using (var over = await a.SendAsync(HttpMethod.Post, $"groups/rust/sessions/{past.Value<long>("localId")}/reminders", new { }))
            Assert.Equal(409, (int)over.StatusCode);
        await Task.Delay(1000);
        Assert.Equal(2, remote.Received.Count(r => r.Activity.Value<string>("type") == "Create"));
    }

    [Fact]
    public async Task A_members_yes_to_a_session_needing_approval_is_pending_until_approved_and_a_facilitators_is_not()
    {
        await using var a = await PublishingNode.StartAsync("rsvp-member-approval");
        var session = await a.PublishAsync("sessions", Session("Lab", requireApproval: true));
        var path = $"groups/rust/sessions/{session.Value<long>("localId").ToString(CultureInfo.InvariantCulture)}";
        var mo = await MemberTokenAsync(a, "mo");

        using (var member = await a.SendAsync(HttpMethod.Post, $"{path}/rsvp", new { status = "yes" }, token: mo))
        {
            var text = await member.Content.ReadAsStringAsync();
            Assert.True((int)member.StatusCode == 202, $"{(int)member.StatusCode}: {text}");
            Assert.Equal("pending", JObject.Parse(text).Value<string>("status"));
        }
        using (var facilitator = await a.SendAsync(HttpMethod.Post, $"{path}/rsvp", new { status = "yes" }))
            Assert.Equal(204, (int)facilitator.StatusCode);
        Assert.Equal(new Dictionary<string, string> { [$"{a.Node.Origin}/u/mo"] = "pending", [$"{a.Node.Origin}/u/ana"] = "yes" },
            await AttendeesAsync(a, $"{path}/attendees"));

        using (var approve = await a.SendAsync(HttpMethod.Post, $"{path}/attendees/approve", new { actor = $"{a.Node.Origin}/u/mo" }))
            Assert.Equal(204, (int)approve.StatusCode);
        Assert.Equal("yes", (await AttendeesAsync(a, $"{path}/attendees"))[$"{a.Node.Origin}/u/mo"]);
        using (var again = await a.SendAsync(HttpMethod.Post, $"{path}/rsvp", new { status = "yes" }, token: mo))
            Assert.Equal(204, (int)again.StatusCode); // admitted: not asked again
    }

    [Fact]
    public async Task Cli_sessions_attendees_lists_each_answer_and_names_a_missing_session()
    {
        await using var a = await PublishingNode.StartAsync("cli-attendees");
        await using var remote = await FakeRemoteServer.StartAsync();
        var session = await a.PublishAsync("sessions", Session("Lab", requireApproval: true));
        var localId = session.Value<long>("localId").ToString(CultureInfo.InvariantCulture);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity(remote, "Join", "learner", "join/1", session.Value<string>("id")!))).Dispose();
        using (var mine = await a.SendAsync(HttpMethod.Post, $"groups/rust/sessions/{localId}/rsvp", new { status = "no" }))
            Assert.Equal(204, (int)mine.StatusCode);
        await EventuallyAsync(async () => (await AttendeesAsync(a, $"groups/rust/sessions/{localId}/attendees")).Count == 2, "two answers", a.Node);

        var list = await a.Node.CliAsync("sessions", "attendees", "rust", localId).MustAsync();
        var lines = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $"^{Regex(remote.Actor("learner"))} pending \\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"));
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $"^{Regex($"{a.Node.Origin}/u/ana")} no \\d{{4}}-\\d\\d-\\d\\dT"));

        var missing = await a.Node.CliAsync("sessions", "attendees", "rust", "999");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("there is no session 999 in rust", missing.StdErr);
        AssertNoStackTrace(missing);
        var notANumber = await a.Node.CliAsync("sessions", "attendees", "rust", "lab");
        Assert.NotEqual(0, notANumber.ExitCode);
        Assert.Contains("lab", notANumber.StdErr);
        AssertNoStackTrace(notANumber);
        var noGroup = await a.Node.CliAsync("sessions", "attendees", "nogroup", localId);
        Assert.Equal(1, noGroup.ExitCode);
        Assert.Contains("no group named \"nogroup\"", noGroup.StdErr);
    }

    [Fact]
    public async Task Cli_sessions_approve_sends_Accept_and_refuses_an_actor_that_is_not_pending()
    {
        await using var a = await PublishingNode.StartAsync("cli-approve");
        await using var remote = await FakeRemoteServer.StartAsync();
        var session = await a.PublishAsync("sessions", Session("Lab", requireApproval: true));
        var localId = session.Value<long>("localId").ToString(CultureInfo.InvariantCulture);
        var join = Activity(remote, "Join", "learner", "join/1", session.Value<string>("id")!);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", join)).Dispose();
        await EventuallyAsync(async () => (await AttendeesAsync(a, $"groups/rust/sessions/{localId}/attendees")).Count == 1, "a pending Join", a.Node);

        var approved = await a.Node.CliAsync("sessions", "approve", "rust", localId, remote.Actor("learner")).MustAsync();
        Assert.Contains($"Approved {remote.Actor("learner")}", approved.StdOut);
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30)); // queued by the CLI, sent by the server
        Assert.True(JToken.DeepEquals(join, accept.Activity["object"]));
        Assert.Equal("yes", (await AttendeesAsync(a, $"groups/rust/sessions/{localId}/attendees"))[remote.Actor("learner")]);

        var again = await a.Node.CliAsync("sessions", "approve", "rust", localId, remote.Actor("learner"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not pending", again.StdErr);
        AssertNoStackTrace(again);
    }

    [Fact]
    public async Task Cli_sessions_reject_sends_Reject_and_refuses_an_unknown_attendee()
    {
        await using var a = await PublishingNode.StartAsync("cli-reject");
        await using var remote = await FakeRemoteServer.StartAsync();
        var session = await a.PublishAsync("sessions", Session("Lab", requireApproval: true));
        var localId = session.Value<long>("localId").ToString(CultureInfo.InvariantCulture);
        var join = Activity(remote, "Join", "bea", "join/1", session.Value<string>("id")!);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", join)).Dispose();
        await EventuallyAsync(async () => (await AttendeesAsync(a, $"groups/rust/sessions/{localId}/attendees")).Count == 1, "a pending Join", a.Node);

        var refused = await a.Node.CliAsync("sessions", "reject", "rust", localId, remote.Actor("bea")).MustAsync();
        Assert.Contains($"Refused {remote.Actor("bea")}", refused.StdOut);
        var reject = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Reject", TimeSpan.FromSeconds(30));
        Assert.True(JToken.DeepEquals(join, reject.Activity["object"]));
        Assert.Empty(await AttendeesAsync(a, $"groups/rust/sessions/{localId}/attendees"));

        var unknown = await a.Node.CliAsync("sessions", "reject", "rust", localId, remote.Actor("nobody"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"{remote.Actor("nobody")} has not asked to attend", unknown.StdErr);
        AssertNoStackTrace(unknown);
    }

    [Fact]
    public async Task Cli_sessions_remind_reports_how_many_were_reminded_and_refuses_a_cancelled_session()
    {
        await using var a = await PublishingNode.StartAsync("cli-remind");
        await using var remote = await FakeRemoteServer.StartAsync();
        var body = Session("Lab");
        var session = await a.PublishAsync("sessions", body);
        var localId = session.Value<long>("localId").ToString(CultureInfo.InvariantCulture);
        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity(remote, "Join", "learner", "join/1", session.Value<string>("id")!))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var reminded = await a.Node.CliAsync("sessions", "remind", "rust", localId, "--message", "Starts in an hour").MustAsync();
        Assert.Contains("Reminded 1 attendee(s)", reminded.StdOut);
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        Assert.Contains("<p>Starts in an hour</p>", create.Activity["object"]!.Value<string>("content")!);
        Assert.Equal(new[] { remote.Actor("learner") }, Strings(create.Activity["object"]!["to"]));

        body["cancelled"] = true;
        using (var cancel = await a.SendAsync(HttpMethod.Put, $"groups/rust/sessions/{localId}", body))
            Assert.Equal(200, (int)cancel.StatusCode);
        var refused = await a.Node.CliAsync("sessions", "remind", "rust", localId);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the session is cancelled", refused.StdErr);
        AssertNoStackTrace(refused);
    }

    /// <summary>A session starting <paramref name="days"/> days from now (at 10:00 Berlin time), as a mutable JSON body.</summary>
    private static JObject Session(string title, int? capacity = null, bool requireApproval = false, int days = 30)
    {
        var day = DateTime.UtcNow.Date.AddDays(days);
        var body = new JObject
        {
            ["title"] = title, ["content"] = "Hands on",
            ["startsAt"] = day.AddHours(10).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["endsAt"] = day.AddHours(12).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["timezone"] = "Europe/Berlin", ["joinUrl"] = "https://meet.example/lab", ["requireApproval"] = requireApproval,
        };
        if (capacity is { } c) body["capacity"] = c;
        return body;
    }

    private static JObject Activity(FakeRemoteServer remote, string type, string actor, string id, string eventId) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/{id}", ["type"] = type,
        ["actor"] = remote.Actor(actor), ["object"] = eventId,
    };

    private static async Task<Dictionary<string, string>> AttendeesAsync(PublishingNode a, string path)
    {
        using var response = await a.SendAsync(HttpMethod.Get, path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 200, $"{(int)response.StatusCode}: {text}");
        return JObject.Parse(text)["attendees"]!.ToDictionary(x => x.Value<string>("actor")!, x => x.Value<string>("status")!);
    }

    /// <summary>A member of the node who does not facilitate "rust", and their token.</summary>
    internal static async Task<string> MemberTokenAsync(PublishingNode a, string name)
    {
        await a.Node.CliWithInputAsync("a-long-password-2\n", "users", "add", name, "--email", $"{name}@example.org").MustAsync();
        return (await a.Node.CliAsync("tokens", "add", name).MustAsync()).StdOut.Trim();
    }

    internal static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.DoesNotContain("Exception", result.StdErr);
    }

    private static string[] Strings(JToken? token) => token is JArray array ? array.Select(t => (string)t!).ToArray() : [];

    private static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);
}
