using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using FediLearn.Core.Options;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FediLearn.Web.Endpoints;

/// <summary>Calendars (RFC 5545) and the Atom feed of a group, for people who live in their calendar or feed reader.</summary>
public static class FeedEndpoints
{
    /// <remarks>
    /// A feed that is not there is a page for a browser (a visitor's "add to calendar" or feed link) and JSON for the rest
    /// (ActorEndpoints.NotFound), where it was JSON for everyone, while the same feeds' 403 was already a page. A deleted
    /// session's <c>.ics</c> answers 410 the same two ways (the page its own address gives a browser).
    /// </remarks>
    public static void MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/groups/{name}/sessions.ics", async (string name, HttpContext http, FediLearnDbContext db, ActorUrls urls, TimeProvider time, CancellationToken ct) =>
        {
            var group = await FindGroupAsync(db, name, ct);
            if (group is null) return ActorEndpoints.NotFound(http, $"No group named {name}");
            if (await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
            var sessions = await db.GroupItems.AsNoTracking()
                .Where(i => i.GroupId == group.Id && i.Kind == ItemKind.Session && i.PublishedAt != null && i.DeletedAt == null)
                .OrderBy(i => i.Id).ToListAsync(ct);
            return Calendar(group.DisplayName, sessions.Select(s => ToEvent(s, group, urls)), time);
        });
        app.MapGet("/g/{name}/sessions/{id:long}.ics", async (string name, long id, HttpContext http, FediLearnDbContext db, ActorUrls urls, TimeProvider time, CancellationToken ct) =>
        {
            var (group, item) = await ObjectEndpoints.FindPublishedAsync(db, name, "sessions", id, ct);
            if (group is not null && await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
            if (group is null || item is null) return ActorEndpoints.NotFound(http, "No such session");
            // Deleted: 410 as the session's own address, where it answered 404 as if it had never been there until 2026-12-06.
            if (item.DeletedAt is not null)
                return Negotiation.WantsHtml(http.Request) ? ObjectEndpoints.DeletedPage() : ErrorResponses.Json(StatusCodes.Status410Gone, "This session was deleted");
            return Calendar(item.Title ?? group.DisplayName, [ToEvent(item, group, urls)], time);
        });
        app.MapGet("/groups/{name}/feed.atom", async (string name, HttpContext http, FediLearnDbContext db, ActorUrls urls, IOptions<FediLearnOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            var group = await FindGroupAsync(db, name, ct);
            if (group is null) return ActorEndpoints.NotFound(http, $"No group named {name}");
            if (await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
            var items = await db.GroupItems.AsNoTracking()
                .Where(i => i.GroupId == group.Id && i.PublishedAt != null && i.DeletedAt == null)
                .OrderByDescending(i => i.PublishedAt).Take(50).ToListAsync(ct);
            // A session's entry opens with its summary line, as the Event's summary (SessionRenderer): "CANCELLED · " first
            // once it is cancelled, where a feed reader saw the join link and no word of it.
            var entries = items.Select(i => new FeedEntry(
                urls.Item(group.Name, i.Kind, i.Id), urls.Item(group.Name, i.Kind, i.Id),
                i.Title ?? PlainText.FromHtml(i.ContentHtml, 80),
                i.Kind == ItemKind.Session ? $"<p>{System.Net.WebUtility.HtmlEncode((i.Cancelled ? "CANCELLED · " : "") + SessionTime.Summary(i.StartsAtLocal!.Value, i.EndsAtLocal!.Value, i.TimeZone!, i.JoinUrl, i.Place))}</p>{HtmlSanitizer.Sanitize(i.ContentHtml)}" : HtmlSanitizer.Sanitize(i.ContentHtml),
                Utc(i.PublishedAt!.Value), Utc(i.EditedAt ?? i.PublishedAt!.Value)));
            var feedUrl = $"{urls.Base}/groups/{group.Name}/feed.atom";
            var updated = items.Count > 0 ? items.Max(i => Utc(i.EditedAt ?? i.PublishedAt!.Value)) : Utc(group.CreatedAt);
            var xml = AtomFeedWriter.Write(feedUrl, feedUrl, urls.Actor(group), group.DisplayName, group.Summary, group.DisplayName, entries, updated);
            return Results.Text(xml, "application/atom+xml; charset=utf-8");
        });
    }

    private static Task<LocalActor?> FindGroupAsync(FediLearnDbContext db, string name, CancellationToken ct) =>
        db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct);

    private static IResult Calendar(string name, IEnumerable<CalendarEvent> events, TimeProvider time) =>
        Results.Text(ICalendarWriter.Write(name, events, time.GetUtcNow()), "text/calendar; charset=utf-8");

    private static CalendarEvent ToEvent(GroupItem s, LocalActor group, ActorUrls urls)
    {
        var id = urls.Item(group.Name, s.Kind, s.Id);
        var location = string.Join(" · ", new[] { s.Place, s.JoinUrl }.Where(x => x is not null));
        var description = PlainText.FromHtml(s.ContentHtml) + (s.JoinUrl is null ? "" : $"\n\nJoin: {s.JoinUrl}") + $"\n\n{id}";
        return new CalendarEvent(id, id, s.Title ?? "Session", description.Trim(), s.StartsAtLocal!.Value, s.EndsAtLocal!.Value, s.TimeZone!,
            location.Length == 0 ? null : location, s.Cancelled, Utc(s.PublishedAt ?? s.CreatedAt), Utc(s.EditedAt ?? s.PublishedAt ?? s.CreatedAt), s.Revision);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
