using System.Xml.Linq;
using AngleSharp.Html.Parser;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Where people and feed readers find a group's sessions: its page (upcoming and past), the home page's next session,
/// the Atom feed. Each reads the sessions by their local times and orders them by instant, as zones differ.
/// </summary>
public sealed class SessionListingTests : IAsyncLifetime
{
    private PublishingNode _a = null!;

    public async Task InitializeAsync() => _a = await PublishingNode.StartAsync("session-lists");

    public Task DisposeAsync() => _a.DisposeAsync().AsTask();

    /// <summary>The Event's summary says CANCELLED, the page and the .ics too; a feed reader sees the join link and no word of it.</summary>
    [Fact]
    public async Task A_cancelled_session_says_so_in_the_Atom_feed()
    {
        var body = new { title = "Called off", content = "x", startsAt = "2030-03-02T09:00", endsAt = "2030-03-02T10:00", timezone = "America/New_York", joinUrl = "https://meet.example/off" };
        var session = await _a.PublishAsync("sessions", body);
        using (var cancel = await _a.SendAsync(HttpMethod.Put, $"groups/rust/sessions/{session.Value<long>("localId")}",
            new { body.title, body.content, body.startsAt, body.endsAt, body.timezone, body.joinUrl, cancelled = true }))
            Assert.Equal(200, (int)cancel.StatusCode);
        Assert.Contains("CANCELLED", (await GetActivityJsonAsync(session.Value<string>("id")!)).Value<string>("summary"));

        var atom = XDocument.Parse(await Http.GetStringAsync($"{_a.Node.Origin}/groups/rust/feed.atom"));
        XNamespace ns = "http://www.w3.org/2005/Atom";
        var entry = atom.Root!.Elements(ns + "entry").Single(e => e.Element(ns + "id")!.Value == session.Value<string>("id"));
        var shown = entry.Element(ns + "title")!.Value + " " + entry.Element(ns + "content")!.Value;
        Assert.Contains("cancel", shown, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The home page shows each group's next session "that has not ended"; the group's page lists a session under way as
    /// upcoming. A session may last 14 days, but the home page only looks at sessions that started in the last two.
    /// </summary>
    [Fact]
    public async Task The_home_page_shows_a_long_session_still_under_way()
    {
        var start = DateTime.UtcNow.AddDays(-3);
        await _a.PublishAsync("sessions", new { title = "Week-long sprint", content = "x", startsAt = start.ToString("yyyy-MM-ddTHH:mm"), endsAt = start.AddDays(7).ToString("yyyy-MM-ddTHH:mm"), timezone = "Etc/UTC", place = "Library" });

        var group = new HtmlParser().ParseDocument(await GetHtmlAsync(_a.Group));
        Assert.Contains("Week-long sprint", group.QuerySelector("section[aria-labelledby=upcoming]")!.TextContent);

        var home = await GetHtmlAsync($"{_a.Node.Origin}/");
        Assert.Contains("Week-long sprint", home);
    }

    /// <summary>
    /// The group's page orders sessions by instant in memory, from "the latest 200 by local start". A group that planned
    /// more than 200 sessions ahead (a weekly cohort over four years) then lists sessions years away as "Upcoming" and
    /// never the one tomorrow; its past sessions vanish too.
    /// </summary>
    [Fact]
    public async Task The_group_page_lists_the_next_session_even_with_many_planned_after_it()
    {
        var lastWeek = DateTime.UtcNow.Date.AddDays(-7).AddHours(18);
        await _a.PublishAsync("sessions", new { title = "Last week's session", content = "x", startsAt = lastWeek.ToString("yyyy-MM-ddTHH:mm"), endsAt = lastWeek.AddHours(1).ToString("yyyy-MM-ddTHH:mm"), timezone = "Etc/UTC", place = "Library" });
        var tomorrow = DateTime.UtcNow.Date.AddDays(1).AddHours(18);
        await _a.PublishAsync("sessions", new { title = "Tomorrow's session", content = "x", startsAt = tomorrow.ToString("yyyy-MM-ddTHH:mm"), endsAt = tomorrow.AddHours(1).ToString("yyyy-MM-ddTHH:mm"), timezone = "Etc/UTC", place = "Library" });
        var later = DateTime.UtcNow.Date.AddDays(30).AddHours(18);
        for (var i = 0; i < 200; i++)
            await _a.PublishAsync("sessions", new { title = $"Week {i}", content = "x", startsAt = later.AddDays(7 * i).ToString("yyyy-MM-ddTHH:mm"), endsAt = later.AddDays(7 * i).AddHours(1).ToString("yyyy-MM-ddTHH:mm"), timezone = "Etc/UTC", place = "Library" });

        var group = new HtmlParser().ParseDocument(await GetHtmlAsync(_a.Group));
        var upcoming = group.QuerySelectorAll("section[aria-labelledby=upcoming] ul.items li > a").Select(a => a.TextContent).ToList();
        Assert.Equal("Tomorrow's session", upcoming.FirstOrDefault());
        Assert.Contains("Last week's session", group.QuerySelector("section[aria-labelledby=past]")!.TextContent);
    }

    /// <summary>
    /// The list of all sessions, latest start first, was ordered by local start: 10:00 in Amsterdam (08:00 UTC in May) came
    /// before 09:00 in New York (13:00 UTC) the same day, though it starts five hours earlier.
    /// </summary>
    [Fact]
    public async Task The_sessions_list_is_ordered_by_instant_across_zones()
    {
        await _a.PublishAsync("sessions", new { title = "Amsterdam morning", content = "x", startsAt = "2031-05-06T10:00", endsAt = "2031-05-06T11:00", timezone = "Europe/Amsterdam", place = "Library" });
        await _a.PublishAsync("sessions", new { title = "New York morning", content = "x", startsAt = "2031-05-06T09:00", endsAt = "2031-05-06T10:00", timezone = "America/New_York", place = "Library" });
        await _a.PublishAsync("sessions", new { title = "Tokyo evening", content = "x", startsAt = "2031-05-06T20:00", endsAt = "2031-05-06T21:00", timezone = "Asia/Tokyo", place = "Library" });

        var list = new HtmlParser().ParseDocument(await GetHtmlAsync($"{_a.Group}/sessions"));
        var titles = list.QuerySelectorAll("ul.items li > a").Select(a => a.TextContent.Trim())
            .Where(t => t is "Amsterdam morning" or "New York morning" or "Tokyo evening").ToList();
        // Tokyo 20:00 is 11:00 UTC, Amsterdam 10:00 is 08:00 UTC (summer time), New York 09:00 is 13:00 UTC.
        Assert.Equal(["New York morning", "Tokyo evening", "Amsterdam morning"], titles);
    }
}
