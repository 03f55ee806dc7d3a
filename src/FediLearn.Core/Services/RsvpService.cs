using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

public sealed record AttendeeView(string ActorUri, RsvpStatus Status, DateTime Since);

/// <summary>
/// Who comes to a session (federation.md item 19). Mobilizon's Join is answered Accept{Join}, or left pending when the
/// session needs approval, or Reject{Join} when it is full; Leave withdraws. Friendica's Accept / TentativeAccept /
/// Reject of the Event count as yes / maybe / no. Local members answer through the API.
/// </summary>
public sealed class RsvpService(FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, DeliverySignal signal, TimeProvider time)
{
    /// <summary>The published, not deleted session this URL names, with its group; null when it is not one of ours.</summary>
    public async Task<(GroupItem Session, LocalActor Group)?> FindSessionAsync(string? uri, CancellationToken ct)
    {
        if (urls.ParseItem(uri) is not { Kind: ItemKind.Session } target) return null;
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == target.Group, ct);
        var session = group is null ? null : await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == target.Id && i.GroupId == group.Id && i.Kind == ItemKind.Session && i.PublishedAt != null && i.DeletedAt == null, ct);
        return session is null ? null : (session, group!);
    }

    /// <summary>A Join from another server: accepted, pending approval, or rejected (banned, cancelled or full).</summary>
    public async Task JoinAsync(GroupItem session, LocalActor group, RemoteActor attendee, JObject join, CancellationToken ct)
    {
        var row = await UpsertAsync(session, attendee.Uri, ct);
        row.JoinJson = ActivityJson.Serialize(join);
        var refused = session.Cancelled || await ModerationService.IsBannedAsync(db, group.Id, attendee.Uri, ct)
            || (session.Capacity is { } capacity && row.Status != RsvpStatus.Yes
                && await db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes, ct) >= capacity);
        if (refused)
        {
            db.Rsvps.Remove(row);
            Answer("Reject", group, attendee, join);
        }
        else if (session.RequireApproval && row.Status != RsvpStatus.Yes)
        {
            row.Status = RsvpStatus.Pending;
        }
        else
        {
            row.Status = RsvpStatus.Yes;
            Answer("Accept", group, attendee, join);
        }
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>Leave, or a Friendica answer (yes / maybe / no), or a local member's answer.</summary>
    public async Task SetAsync(GroupItem session, string actorUri, RsvpStatus? status, CancellationToken ct)
    {
        if (status is null)
        {
            db.Rsvps.RemoveRange(await db.Rsvps.Where(r => r.SessionId == session.Id && r.ActorUri == actorUri).ToListAsync(ct));
        }
        else
        {
            if (status == RsvpStatus.Yes && session.Capacity is { } capacity
                && !await db.Rsvps.AnyAsync(r => r.SessionId == session.Id && r.ActorUri == actorUri && r.Status == RsvpStatus.Yes, ct)
                && await db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes, ct) >= capacity)
                throw new FediLearnException("the session is full");
            (await UpsertAsync(session, actorUri, ct)).Status = status.Value;
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<AttendeeView>> AttendeesAsync(long sessionId, CancellationToken ct) =>
        await db.Rsvps.AsNoTracking().Where(r => r.SessionId == sessionId).OrderBy(r => r.Id)
            .Select(r => new AttendeeView(r.ActorUri, r.Status, r.UpdatedAt)).ToListAsync(ct);

    private async Task<Rsvp> UpsertAsync(GroupItem session, string actorUri, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = await db.Rsvps.FirstOrDefaultAsync(r => r.SessionId == session.Id && r.ActorUri == actorUri, ct);
        if (row is null) db.Rsvps.Add(row = new Rsvp { SessionId = session.Id, ActorUri = actorUri, CreatedAt = now, Status = RsvpStatus.Pending });
        row.UpdatedAt = now;
        return row;
    }

    private void Answer(string type, LocalActor group, RemoteActor attendee, JObject join)
    {
        var answer = new JObject
        {
            ["@context"] = JsonLdContexts.ActivityStreams,
            ["type"] = type,
            ["actor"] = urls.Actor(group),
            ["to"] = new JArray(attendee.Uri),
            ["object"] = join.DeepClone(),
        };
        queue.Enqueue(db, queue.CreateActivity(db, group, answer, isPublic: false), [attendee.Inbox]);
    }
}
