using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public enum NotificationKind { Reply, FollowRequest, Follow, Rsvp, Report, Facilitator, FacilitatorRemoved }

/// <summary>One thing that happened in a group someone facilitates, or to them as its facilitator; <see cref="Link"/> is where to act on it or see it.</summary>
public sealed record Notification(DateTime At, NotificationKind Kind, string GroupName, string GroupTitle, string Who, string Text, string Link, bool Unread);

/// <summary>
/// In-app notifications, no e-mail: what happened in the last <see cref="Days"/> days in the groups a member
/// facilitates (replies, follow requests and follows, RSVPs, reports), their being made a facilitator of a group that
/// already existed (not of one created with them as its facilitator, which they made or were told of), and their being
/// removed as one by someone else, newest first. Nothing is stored per event: they are read from the records themselves
/// (a removal from the group's moderation log, since the facilitator's row is gone), and "read" is one instant per
/// member (LocalActor.NotificationsSeenAt).
/// </summary>
public sealed class NotificationService(FediLearnDbContext db, ActorUrls urls, TimeProvider time)
{
    public const int Days = 30;
    public const int Max = 100;

    /// <summary>A facilitator added this soon after the group was created was named when it was created.</summary>
    private static readonly TimeSpan NamedAtCreation = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The moderation log's removals of <paramref name="person"/> as a facilitator since <paramref name="since"/>, by
    /// someone else (removing yourself is not news to you). Read on every page a member opens: the log's
    /// partial index of these removals answers it (migration 0017).
    /// </summary>
    internal static IQueryable<ModerationLogEntry> FacilitatorRemovals(FediLearnDbContext db, LocalActor person, DateTime since) =>
        db.ModerationLog.AsNoTracking()
            .Where(e => e.Target == person.Name && e.Action == GroupService.RemovedFacilitator && e.CreatedAt > since
                && (e.ModeratorId == null || e.ModeratorId != person.Id));

    public async Task<IReadOnlyList<Notification>> ListAsync(LocalActor person, CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime.AddDays(-Days);
        var seen = (await db.LocalActors.AsNoTracking().Where(a => a.Id == person.Id).Select(a => a.NotificationsSeenAt).FirstOrDefaultAsync(ct)) ?? DateTime.MinValue;
        var facilitated = await db.GroupFacilitators.AsNoTracking().Where(f => f.PersonId == person.Id)
            .Join(db.LocalActors, f => f.GroupId, g => g.Id, (f, g) => new { f.AddedAt, Group = g }).ToListAsync(ct);
        var removals = await FacilitatorRemovals(db, person, since)
            .Join(db.LocalActors, e => e.GroupId, g => (long?)g.Id, (e, g) => new
            {
                e.CreatedAt, g.Name, g.DisplayName, By = db.LocalActors.Where(a => a.Id == e.ModeratorId).Select(a => a.Name).FirstOrDefault(),
            })
            .OrderByDescending(e => e.CreatedAt).Take(Max).ToListAsync(ct);
        var removed = removals.Select(r => new Notification(r.CreatedAt, NotificationKind.FacilitatorRemoved, r.Name, r.DisplayName, "You",
            $"no longer facilitate this group (removed by {r.By ?? "an admin"})",
            $"/g/{r.Name}", r.CreatedAt > seen)).ToList();
        if (facilitated.Count == 0) return removed;
        var groups = facilitated.Select(f => f.Group).ToList();
        var ids = groups.Select(g => g.Id).ToList();
        var me = urls.Actor(person);
        var list = removed;
        LocalActor GroupOf(long id) => groups.First(g => g.Id == id);
        Notification Make(DateTime at, NotificationKind kind, long groupId, string who, string text, string link)
        {
            var g = GroupOf(groupId);
            return new Notification(at, kind, g.Name, g.DisplayName, who, text, link, at > seen);
        }

        list.AddRange(facilitated.Where(f => f.AddedAt > since && f.AddedAt - f.Group.CreatedAt > NamedAtCreation)
            .Select(f => Make(f.AddedAt, NotificationKind.Facilitator, f.Group.Id, "You",
                "now facilitate this group: you can publish, moderate, approve followers and change its settings", $"/workspace/{f.Group.Name}")));

        var replies = await db.Replies.AsNoTracking()
            .Where(r => ids.Contains(r.GroupId) && r.ReceivedAt > since && r.DeletedAt == null && r.AuthorUri != me)
            .OrderByDescending(r => r.ReceivedAt).Take(Max)
            .Select(r => new { r.GroupId, r.ReceivedAt, r.AuthorUri, r.Uri, Username = db.RemoteActors.Where(a => a.Uri == r.AuthorUri).Select(a => a.Username).FirstOrDefault(), r.AuthorHost, Top = db.GroupItems.Where(i => i.Id == r.TopItemId).Select(i => i.Title).FirstOrDefault() })
            .ToListAsync(ct);
        list.AddRange(replies.Select(r => Make(r.ReceivedAt, NotificationKind.Reply, r.GroupId, Who(r.Username, r.AuthorHost, r.AuthorUri),
            r.Top is null ? "replied in a thread" : $"replied to “{r.Top}”", r.Uri)));

        var follows = await db.Followers.AsNoTracking()
            .Where(f => ids.Contains(f.LocalActorId) && (f.CreatedAt > since || f.AcceptedAt > since))
            .OrderByDescending(f => f.Id).Take(Max)
            .Select(f => new { f.LocalActorId, f.State, f.CreatedAt, f.AcceptedAt, f.ActorUri, f.RemoteActor!.Username, f.RemoteActor.Host })
            .ToListAsync(ct);
        list.AddRange(follows.Select(f => f.State == FollowState.Pending
            ? Make(f.CreatedAt, NotificationKind.FollowRequest, f.LocalActorId, Who(f.Username, f.Host, f.ActorUri), "asks to follow the group", $"/workspace/{GroupOf(f.LocalActorId).Name}/followers")
            : Make(f.AcceptedAt ?? f.CreatedAt, NotificationKind.Follow, f.LocalActorId, Who(f.Username, f.Host, f.ActorUri), "follows the group", $"/workspace/{GroupOf(f.LocalActorId).Name}/followers")));

        var rsvps = await db.Rsvps.AsNoTracking().Where(r => r.UpdatedAt > since)
            .Join(db.GroupItems.Where(i => ids.Contains(i.GroupId)), r => r.SessionId, i => i.Id, (r, i) => new { r.UpdatedAt, r.Status, r.ActorUri, i.GroupId, i.Id, i.Title, Username = db.RemoteActors.Where(a => a.Uri == r.ActorUri).Select(a => a.Username).FirstOrDefault() })
            .OrderByDescending(r => r.UpdatedAt).Take(Max).ToListAsync(ct);
        list.AddRange(rsvps.Select(r => Make(r.UpdatedAt, NotificationKind.Rsvp, r.GroupId, Who(r.Username, Server(r.ActorUri), r.ActorUri), r.Status switch
        {
            RsvpStatus.Yes => $"is going to “{r.Title ?? "a session"}”",
            RsvpStatus.Maybe => $"might come to “{r.Title ?? "a session"}”",
            RsvpStatus.No => $"is not coming to “{r.Title ?? "a session"}”",
            _ => $"asks to attend “{r.Title ?? "a session"}” (waiting for approval)",
        }, $"/workspace/{GroupOf(r.GroupId).Name}/sessions/{r.Id}/attendees")));

        var reports = await db.Reports.AsNoTracking().Where(r => r.GroupId != null && ids.Contains(r.GroupId.Value) && r.CreatedAt > since)
            .OrderByDescending(r => r.Id).Take(Max).ToListAsync(ct);
        list.AddRange(reports.Select(r => Make(r.CreatedAt, NotificationKind.Report, r.GroupId!.Value, Who(null, null, r.ReporterUri),
            r.ResolvedAt is null ? "reported something (open)" : "reported something (resolved)", $"/workspace/{GroupOf(r.GroupId.Value).Name}/reports")));

        return list.OrderByDescending(n => n.At).Take(Max).ToList();
    }

    public async Task<int> UnreadCountAsync(LocalActor person, CancellationToken ct) =>
        (await ListAsync(person, ct)).Count(n => n.Unread);

    public async Task MarkReadAsync(LocalActor person, CancellationToken ct)
    {
        var row = await db.LocalActors.FirstAsync(a => a.Id == person.Id, ct);
        row.NotificationsSeenAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }

    private static string? Server(string uri) => Uri.TryCreate(uri, UriKind.Absolute, out var u) ? u.Authority : null;

    /// <summary>"@name@server" when known, else the server of the actor's id.</summary>
    private static string Who(string? username, string? host, string uri) =>
        username is not null && host is not null ? $"@{username}@{host}"
        : Uri.TryCreate(uri, UriKind.Absolute, out var u) ? $"{u.Segments.LastOrDefault()?.Trim('/')}@{u.Authority}" : uri;
}
