using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>The admin CLI's list and remove verbs: tokens list|revoke, facilitators list|remove, sessions list.</summary>
public sealed class AdminCliListTests
{
    [Fact]
    public async Task Tokens_list_shows_ids_names_and_use_never_the_secret_and_revoke_deletes_one()
    {
        await using var a = await PublishingNode.StartAsync("cli-tokens");
        var scheduler = (await a.Node.CliAsync("tokens", "add", "ana", "--name", "course scheduler").MustAsync()).StdOut.Trim();
        using (var used = await a.SendAsync(HttpMethod.Get, "groups/rust/posts")) Assert.Equal(200, (int)used.StatusCode);

        var list = await a.Node.CliAsync("tokens", "list", "ana").MustAsync();
        Assert.DoesNotContain("flt_", list.StdOut);
        var lines = list.StdOut.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ never course scheduler$", lines[0]);
        Assert.Matches(@"^\d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ API token$", lines[1]);
        Assert.Equal("2 token(s)", list.StdErr.Trim());

        var id = lines[0].Split(' ')[0];
        Assert.Equal($"Revoked token {id} of ana", (await a.Node.CliAsync("tokens", "revoke", "ana", id).MustAsync()).StdOut.Trim());
        using (var refused = await a.SendAsync(HttpMethod.Get, "groups/rust/posts", token: scheduler)) Assert.Equal(401, (int)refused.StatusCode);
        Assert.DoesNotContain("course scheduler", (await a.Node.CliAsync("tokens", "list", "ana").MustAsync()).StdOut);

        // Another member's token, an unknown id and an unknown member: one line and exit 1.
        await a.Node.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        var anasLast = lines[1].Split(' ')[0];
        await a.Node.CliAsync("tokens", "revoke", "bo", anasLast).RefusedAsync($"error: bo has no token {anasLast} (see tokens list bo)");
        await a.Node.CliAsync("tokens", "revoke", "ana", "999999").RefusedAsync("error: ana has no token 999999 (see tokens list ana)");
        var nobody = await a.Node.CliAsync("tokens", "list", "nope");
        Assert.Equal(1, nobody.ExitCode);
        Assert.StartsWith("error: no member named \"nope\"", nobody.StdErr.Trim());
        using (var kept = await a.SendAsync(HttpMethod.Get, "groups/rust/posts")) Assert.Equal(200, (int)kept.StatusCode);
    }

    [Fact]
    public async Task Facilitators_list_and_remove_but_never_the_last_one()
    {
        await using var a = await PublishingNode.StartAsync("cli-facilitators");
        await a.Node.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        await a.Node.CliAsync("facilitators", "add", "rust", "bo").MustAsync();

        var list = await a.Node.CliAsync("facilitators", "list", "rust").MustAsync();
        var lines = list.StdOut.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^ana \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lines[0]);
        Assert.Matches(@"^bo \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lines[1]);
        Assert.Equal("2 facilitator(s)", list.StdErr.Trim());

        Assert.Equal("ana no longer facilitates rust", (await a.Node.CliAsync("facilitators", "remove", "rust", "ana").MustAsync()).StdOut.Trim());
        Assert.StartsWith("bo ", (await a.Node.CliAsync("facilitators", "list", "rust").MustAsync()).StdOut.Trim());
        Assert.DoesNotContain("ana", (await a.Node.CliAsync("facilitators", "list", "rust").MustAsync()).StdOut);
        using (var refused = await a.SendAsync(HttpMethod.Post, "groups/rust/posts", new { content = "Not hers to publish any more" }))
            Assert.Equal(403, (int)refused.StatusCode);

        await a.Node.CliAsync("facilitators", "remove", "rust", "bo").RefusedAsync("error: bo is the last facilitator of rust: make another member one first (facilitators add rust <user>)");
        Assert.Contains("bo ", (await a.Node.CliAsync("facilitators", "list", "rust").MustAsync()).StdOut);
        await a.Node.CliAsync("facilitators", "remove", "rust", "ana").RefusedAsync("error: ana does not facilitate rust");
        await a.Node.CliAsync("facilitators", "list", "nope").RefusedAsync("error: no group named \"nope\"");
    }

    [Fact]
    public async Task Sessions_list_shows_upcoming_soonest_first_or_past_ones_with_the_id_the_other_verbs_take()
    {
        await using var a = await PublishingNode.StartAsync("cli-sessions");
        var later = await a.PublishAsync("sessions", new { title = "Later", content = "x", startsAt = "2030-06-01T18:00", endsAt = "2030-06-01T19:00", timezone = "Europe/Amsterdam", place = "Library" });
        var sooner = await a.PublishAsync("sessions", new { title = "Sooner", content = "x", startsAt = "2030-01-10T10:00", endsAt = "2030-01-10T12:00", timezone = "Europe/Berlin", place = "Room 4" });
        var past = await a.PublishAsync("sessions", new { title = "Long ago", content = "x", startsAt = "2020-01-10T19:00", endsAt = "2020-01-10T20:00", timezone = "Europe/Amsterdam", place = "Library" });
        var cancelled = await a.PublishAsync("sessions", new { title = "Called off", content = "x", startsAt = "2030-03-02T09:00", endsAt = "2030-03-02T10:00", timezone = "America/New_York", place = "Online" });
        using (var cancel = await a.SendAsync(HttpMethod.Put, $"groups/rust/sessions/{Id(cancelled)}",
            new { title = "Called off", content = "x", startsAt = "2030-03-02T09:00", endsAt = "2030-03-02T10:00", timezone = "America/New_York", place = "Online", cancelled = true }))
            Assert.Equal(200, (int)cancel.StatusCode);
        var gone = await a.PublishAsync("sessions", new { title = "Deleted", content = "x", startsAt = "2030-02-01T10:00", endsAt = "2030-02-01T11:00", timezone = "Europe/Berlin", place = "Room 4" });
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"groups/rust/sessions/{Id(gone)}")) Assert.Equal(204, (int)delete.StatusCode);

        var upcoming = await a.Node.CliAsync("sessions", "list", "rust").MustAsync();
        Assert.Equal(
            [
                $"{Id(sooner)} 2030-01-10T10:00 CET (Europe/Berlin) scheduled Sooner",
                $"{Id(cancelled)} 2030-03-02T09:00 EST (America/New_York) cancelled Called off",
                $"{Id(later)} 2030-06-01T18:00 CEST (Europe/Amsterdam) scheduled Later",
            ],
            upcoming.StdOut.Trim().Split('\n'));
        Assert.Equal("3 upcoming session(s)", upcoming.StdErr.Trim());
        await a.Node.CliAsync("sessions", "attendees", "rust", Id(sooner).ToString()).MustAsync();

        var ended = await a.Node.CliAsync("sessions", "list", "rust", "--past").MustAsync();
        Assert.Equal($"{Id(past)} 2020-01-10T19:00 CET (Europe/Amsterdam) ended Long ago", ended.StdOut.Trim());
        Assert.Equal("1 past session(s)", ended.StdErr.Trim());
        var first = await a.Node.CliAsync("sessions", "list", "rust", "--limit", "1").MustAsync();
        Assert.StartsWith($"{Id(sooner)} ", first.StdOut.Trim());
        Assert.Single(first.StdOut.Trim().Split('\n'));

        await a.Node.CliAsync("sessions", "list", "nope").RefusedAsync("error: no group named \"nope\"");
    }

    private static long Id(JObject item) => item.Value<long>("localId");
}
