using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 4: a facilitator reports a remote reply to its author's server: a Flag from our instance actor with
/// object [author, reply], as Mastodon sends, logged as "report". An unknown reply is refused with 409.
/// </summary>
public sealed class RemoteReportTests
{
    [Fact]
    public async Task Reporting_a_remote_reply_sends_a_Flag_from_the_instance_actor_and_logs_it()
    {
        await using var a = await PublishingNode.StartAsync("report");
        await using var remote = await FakeRemoteServer.StartAsync();
        var noteId = await ReplyAsync(a, remote, "troll", 1);

        using (var report = await a.SendAsync(HttpMethod.Post, "groups/rust/moderation/report", new { @object = noteId, comment = "Harassment in the thread" }))
            Assert.Equal(202, (int)report.StatusCode);
        var flag = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Flag", TimeSpan.FromSeconds(30));
        Assert.Equal("/inbox", flag.Path); // the author's shared inbox
        Assert.Equal($"{a.Node.Origin}/actor", flag.Activity.Value<string>("actor"));
        Assert.Equal(new[] { remote.Actor("troll"), noteId }, flag.Activity["object"]!.Select(t => (string)t!).ToArray());
        Assert.Equal(new[] { remote.Actor("troll") }, flag.Activity["to"]!.Select(t => (string)t!).ToArray());
        Assert.Equal("Harassment in the thread", flag.Activity.Value<string>("content"));
        Assert.StartsWith($"{a.Node.Origin}/activities/", flag.Activity.Value<string>("id"));
        Assert.True(await VerifyFromNodeAsync(flag, remote.SharedInbox), "signed with the instance actor's key");
        var check = HttpSignatureVerifier.Inspect(new SignedRequest("POST", new Uri(remote.SharedInbox), flag.Headers, flag.Body), DateTimeOffset.UtcNow).Check;
        Assert.StartsWith($"{a.Node.Origin}/actor#", check?.KeyId);

        var log = await ModerationAsync(a);
        var entry = Assert.Single(log["log"]!, e => e.Value<string>("action") == "report");
        Assert.Equal(noteId, entry.Value<string>("target"));
        Assert.Equal("Harassment in the thread", entry.Value<string>("reason"));
        Assert.Equal("ana", entry.Value<string>("moderator"));

        // An unknown reply is refused with 409 (as removing one is); no object is 400; a non-facilitator is 403.
        using (var unknown = await a.SendAsync(HttpMethod.Post, "groups/rust/moderation/report", new { @object = $"{remote.Origin}/users/troll/statuses/99" }))
        {
            Assert.Equal(409, (int)unknown.StatusCode);
            Assert.Contains("there is no reply", await unknown.Content.ReadAsStringAsync());
        }
        using (var missing = await a.SendAsync(HttpMethod.Post, "groups/rust/moderation/report", new { comment = "what?" }))
            Assert.Equal(400, (int)missing.StatusCode);
        var bobToken = await RsvpApprovalTests.MemberTokenAsync(a, "bob");
        using (var forbidden = await a.SendAsync(HttpMethod.Post, "groups/rust/moderation/report", new { @object = noteId }, bobToken))
            Assert.Equal(403, (int)forbidden.StatusCode);
        await Task.Delay(1000);
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Flag");
        Assert.Single((await ModerationAsync(a))["log"]!, e => e.Value<string>("action") == "report");
    }

    [Fact]
    public async Task Cli_moderation_report_queues_the_Flag_and_names_an_unknown_reply()
    {
        await using var a = await PublishingNode.StartAsync("cli-report");
        await using var remote = await FakeRemoteServer.StartAsync();
        var noteId = await ReplyAsync(a, remote, "troll", 1);

        var reported = await a.Node.CliAsync("moderation", "report", "rust", noteId, "--comment", "spam").MustAsync();
        Assert.Contains($"Reported {noteId}", reported.StdOut);
        var flag = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Flag", TimeSpan.FromSeconds(30)); // queued by the CLI, sent by the server
        Assert.Equal($"{a.Node.Origin}/actor", flag.Activity.Value<string>("actor"));
        Assert.Equal("spam", flag.Activity.Value<string>("content"));
        var log = await a.Node.CliAsync("moderation", "log", "rust").MustAsync();
        Assert.Contains($"report {noteId} by admin (CLI) — spam", log.StdOut);

        var unknown = await a.Node.CliAsync("moderation", "report", "rust", $"{remote.Origin}/users/troll/statuses/99");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"error: there is no reply {remote.Origin}/users/troll/statuses/99 in rust", unknown.StdErr);
        RsvpApprovalTests.AssertNoStackTrace(unknown);
    }

    /// <summary>A reply by a remote author to a new prompt, stored in the group's thread.</summary>
    private static async Task<string> ReplyAsync(PublishingNode a, FakeRemoteServer remote, string author, int n)
    {
        var prompt = (await a.PublishAsync("prompts", new { content = "Introduce yourself" })).Value<string>("id")!;
        var noteId = $"{remote.Origin}/users/{author}/statuses/{n}";
        var create = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{noteId}/activity",
            ["type"] = "Create",
            ["actor"] = remote.Actor(author),
            ["object"] = new JObject
            {
                ["id"] = noteId, ["type"] = "Note", ["attributedTo"] = remote.Actor(author), ["inReplyTo"] = prompt, ["content"] = "<p>rude words</p>",
                ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            },
        };
        (await remote.SendAsync($"{a.Node.Origin}/inbox", create)).Dispose();
        await EventuallyAsync(async () => (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems") == 2, "the reply is in the thread", a.Node);
        return noteId;
    }

    private static async Task<JObject> ModerationAsync(PublishingNode a)
    {
        using var response = await a.SendAsync(HttpMethod.Get, "groups/rust/moderation");
        Assert.Equal(200, (int)response.StatusCode);
        return JObject.Parse(await response.Content.ReadAsStringAsync());
    }
}
