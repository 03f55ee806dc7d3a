using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record UpcomingSession(long Id, string Uri, string Title, DateTimeOffset StartsAt, DateTime StartsAtLocal, string TimeZone, int Going, int Maybe, int Pending, bool Cancelled);

public sealed record OpenPrompt(long Id, string Uri, string Title, DateTime PublishedAt, DateTime? ClosesAt, bool IsCheckIn, int Responses, int Respondents, int Votes);

public sealed record FollowRequest(string ActorUri, string? Handle, DateTime Since);

public sealed record OpenReport(long Id, string ReporterUri, IReadOnlyList<string> Objects, string? Content, DateTime At);

public sealed record Dashboard(
    IReadOnlyList<UpcomingSession> UpcomingSessions, IReadOnlyList<OpenPrompt> OpenPrompts,
    IReadOnlyList<FollowRequest> PendingFollowers, IReadOnlyList<OpenReport> OpenReports);

public sealed record Respondent(string AuthorUri, string? Handle, DateTime At);

public sealed record PromptActivity(long Id, string Uri, string Title, IReadOnlyList<Respondent> Respondents);

/// <summary>A reply no one has answered yet, by someone who is not a facilitator: the facilitator's to-do list.</summary>
public sealed record WaitingReply(string Uri, string AuthorUri, string? Handle, DateTime PublishedAt, string? TopUri, string Excerpt);

public sealed record Digest(DateTime From, DateTime To, IReadOnlyList<PromptActivity> Prompts, IReadOnlyList<WaitingReply> Waiting);

/// <summary>
/// What a facilitator needs to see about a group (issue 5): the dashboard (upcoming sessions, open prompts with their
/// responses, pending follow requests, unresolved reports) and the weekly digest (who responded to what, and which
/// threads wait for an answer). Read-only; the same numbers as the JSON API.
/// </summary>
public sealed class WorkspaceService(FediLearnDbContext db, ActorUrls urls, TimeProvider time)
{
    public const int ListSize = 20;

    public async Task<Dashboard> DashboardAsync(LocalActor group, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var items = db.GroupItems.AsNoTracking().Where(i => i.GroupId == group.Id && i.PublishedAt != null && i.DeletedAt == null);

        var prompts = await items.Where(i => i.Kind == ItemKind.Prompt && (i.ClosesAt == null || i.ClosesAt > now.UtcDateTime))
            .OrderByDescending(i => i.PublishedAt).Take(ListSize)
            .Select(i => new
            {
                Item = i,
                Responses = db.Replies.Count(r => r.TopItemId == i.Id && r.DeletedAt == null),
                Respondents = db.Replies.Where(r => r.TopItemId == i.Id && r.DeletedAt == null).Select(r => r.AuthorUri).Distinct().Count(),
                Votes = db.Votes.Count(v => v.PromptId == i.Id),
            }).ToListAsync(ct);

        var pending = await db.Followers.AsNoTracking().Where(f => f.LocalActorId == group.Id && f.State == FollowState.Pending)
            .OrderBy(f => f.CreatedAt).Take(100)
            .Select(f => new { f.ActorUri, f.RemoteActor!.Username, f.RemoteActor.Host, f.CreatedAt }).ToListAsync(ct);
        var reports = await db.Reports.AsNoTracking().Where(r => r.GroupId == group.Id && r.ResolvedAt == null)
            .OrderByDescending(r => r.Id).Take(ListSize).ToListAsync(ct);

        return new Dashboard(
            await SessionsAsync(group, past: false, ListSize, ct),
            prompts.Select(p => new OpenPrompt(p.Item.Id, urls.Item(group.Name, ItemKind.Prompt, p.Item.Id), TitleOf(p.Item), p.Item.PublishedAt!.Value,
                p.Item.ClosesAt, p.Item.ChoicesJson is not null, p.Responses, p.Respondents, p.Votes)).ToList(),
            pending.Select(f => new FollowRequest(f.ActorUri, f.Username is null ? null : $"@{f.Username}@{f.Host}", f.CreatedAt)).ToList(),
            reports.Select(r => new OpenReport(r.Id, r.ReporterUri, StoredJson.ReadStrings(r.ObjectsJson), r.Content, r.CreatedAt)).ToList());
    }

    /// <summary>
    /// The group's published sessions with their answers: those not yet ended, soonest first, or with
    /// <paramref name="past"/> those that have ended, latest first. Cancelled ones are included. Read from the 500 nearest
    /// now on the side asked for (<see cref="SessionWindows"/>), then ordered by
    /// instant; from the newest 500 created, a group that had planned more than 500 sessions lost its next ones.
    /// </summary>
    public async Task<IReadOnlyList<UpcomingSession>> SessionsAsync(LocalActor group, bool past, int limit, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var published = db.GroupItems.AsNoTracking()
            .Where(i => i.GroupId == group.Id && i.Kind == ItemKind.Session && i.PublishedAt != null && i.DeletedAt == null);
        var sessions = await (past ? published.EndedBy(now) : published.NotEndedBy(now)).Take(500).ToListAsync(ct);
        var timed = sessions.Timed().Where(s => (s.End > now) != past);
        var chosen = (past ? timed.OrderByDescending(s => s.Start) : timed.OrderBy(s => s.Start)).Take(limit).ToList();
        var ids = chosen.Select(s => s.Item.Id).ToList();
        var answers = await db.Rsvps.AsNoTracking().Where(r => ids.Contains(r.SessionId))
            .GroupBy(r => new { r.SessionId, r.Status }).Select(g => new { g.Key.SessionId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        int Count(long id, RsvpStatus status) => answers.Where(a => a.SessionId == id && a.Status == status).Sum(a => a.Count);
        return chosen.Select(s => new UpcomingSession(s.Item.Id, urls.Item(group.Name, ItemKind.Session, s.Item.Id), TitleOf(s.Item), s.Start,
            s.Item.StartsAtLocal!.Value, s.Item.TimeZone!, Count(s.Item.Id, RsvpStatus.Yes), Count(s.Item.Id, RsvpStatus.Maybe),
            Count(s.Item.Id, RsvpStatus.Pending), s.Item.Cancelled)).ToList();
    }

    /// <summary>The last <paramref name="days"/> days: who answered which prompt, and the replies still waiting for an answer.</summary>
    public async Task<Digest> DigestAsync(LocalActor group, int days, CancellationToken ct)
    {
        if (days is < 1 or > 366) throw new FediLearnException("a digest covers 1 to 366 days");
        var to = time.GetUtcNow().UtcDateTime;
        var from = to.AddDays(-days);
        var replies = await db.Replies.AsNoTracking()
            .Where(r => r.GroupId == group.Id && r.DeletedAt == null && r.PublishedAt >= from)
            .OrderBy(r => r.PublishedAt).ThenBy(r => r.Id).Take(5_000).ToListAsync(ct);
        var topIds = replies.Where(r => r.TopItemId != null).Select(r => r.TopItemId!.Value).Distinct().ToList();
        var tops = await db.GroupItems.AsNoTracking().Where(i => topIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);

        var facilitators = (await db.GroupFacilitators.AsNoTracking().Where(f => f.GroupId == group.Id)
            .Join(db.LocalActors, f => f.PersonId, p => p.Id, (f, p) => p.Name).ToListAsync(ct))
            .Select(name => urls.Actor(ActorKind.Person, name)).ToHashSet(StringComparer.Ordinal);
        // Facilitators read the digest: their own answers are not "responses".
        var prompts = replies.Where(r => !facilitators.Contains(r.AuthorUri) && r.TopItemId is { } t && tops.TryGetValue(t, out var item) && item.Kind == ItemKind.Prompt)
            .GroupBy(r => r.TopItemId!.Value)
            .Select(g => new PromptActivity(g.Key, urls.Item(group.Name, ItemKind.Prompt, g.Key), TitleOf(tops[g.Key]),
                g.GroupBy(r => r.AuthorUri).Select(a => new Respondent(a.Key, Handle(a.First()), a.First().PublishedAt)).ToList()))
            .OrderByDescending(p => p.Respondents.Count).ToList();

        var uris = replies.Select(r => r.Uri).ToList();
        var answered = (await db.Replies.AsNoTracking().Where(r => r.InReplyTo != null && uris.Contains(r.InReplyTo) && r.DeletedAt == null)
            .Select(r => r.InReplyTo!).Distinct().ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var waiting = replies.Where(r => !facilitators.Contains(r.AuthorUri) && !answered.Contains(r.Uri))
            .Select(r => new WaitingReply(r.Uri, r.AuthorUri, Handle(r), r.PublishedAt,
                r.TopItemId is { } t && tops.TryGetValue(t, out var item) ? urls.Item(group.Name, item.Kind, item.Id) : null,
                Excerpt(r.ContentHtml)))
            .ToList();
        return new Digest(from, to, prompts, waiting);
    }

    /// <summary>A line naming the item: its title, or the start of its text.</summary>
    public static string TitleOf(GroupItem item) =>
        !string.IsNullOrWhiteSpace(item.Title) ? item.Title! : Excerpt(item.ContentHtml);

    private static string? Handle(Reply r) => r.AuthorName is { } name ? "@" + name : null;

    private static string Excerpt(string html) => PlainText.FromHtml(html, 120);
}
