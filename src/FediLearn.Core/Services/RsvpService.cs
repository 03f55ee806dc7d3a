using System.Globalization;
using System.Net;
using System.Text;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

public sealed record AttendeeView(string ActorUri, RsvpStatus Status, DateTime Since);

/// <summary>
/// Who comes to a session (federation.md item 19). Mobilizon's Join is answered Accept{Join}, or left pending when the
/// session needs approval, or Reject{Join} when it is full; Leave withdraws. Friendica's Accept / TentativeAccept /
/// Reject of the Event count as yes / maybe / no, the first two under a Join's rules. Local members answer through the
/// API. Facilitators approve or refuse pending answers and send reminders to those coming.
/// </summary>
public sealed class RsvpService(
    FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, DeliverySignal signal, RemoteActorResolver resolver, TimeProvider time)
{
    /// <summary>The published session {groupName}/sessions/{sessionId}, or a <see cref="FediLearnException"/> naming what is missing.</summary>
    public async Task<(GroupItem Session, LocalActor Group)> RequireSessionAsync(string groupName, long sessionId, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        return await FindSessionAsync(urls.Item(group.Name, ItemKind.Session, sessionId), ct)
            ?? throw new FediLearnException($"there is no session {sessionId} in {groupName}");
    }

    /// <summary>
    /// Why an actor may not say yes or maybe to a session, or null when they may: the session is cancelled, they are
    /// banned from its group, or the group is members-only and they are neither an approved participant nor one of its
    /// facilitators. A Join or a Friendica answer that meets one is refused (Reject); a local member's answer gets the
    /// reason back.
    /// </summary>
    public async Task<string?> RefusalAsync(GroupItem session, LocalActor group, string actorUri, CancellationToken ct)
    {
        if (session.Cancelled) return "the session is cancelled";
        if (await ModerationService.IsBannedAsync(db, group.Id, actorUri, ct)) return $"you are banned from {group.Name}";
        if (!group.MembersOnly
            || await db.Followers.AnyAsync(f => f.LocalActorId == group.Id && f.ActorUri == actorUri && f.State == FollowState.Accepted, ct))
            return null;
        return await db.IsFacilitatorAsync(urls, group.Id, actorUri, ct)
            ? null
            : $"{group.Name} is members-only: its sessions are for its approved participants";
    }

    /// <summary>The published, not deleted session this URL names, with its group; null when it is not one of ours.</summary>
    public async Task<(GroupItem Session, LocalActor Group)?> FindSessionAsync(string? uri, CancellationToken ct)
    {
        if (urls.ParseItem(uri) is not { Kind: ItemKind.Session } target) return null;
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == target.Group, ct);
        var session = group is null ? null : await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == target.Id && i.GroupId == group.Id && i.Kind == ItemKind.Session && i.PublishedAt != null && i.DeletedAt == null, ct);
        return session is null ? null : (session, group!);
    }

    /// <summary>A Join from another server: accepted, pending approval, or rejected (banned, cancelled, full, or not a participant of a members-only group).</summary>
    public Task JoinAsync(GroupItem session, LocalActor group, RemoteActor attendee, JObject join, CancellationToken ct) =>
        AskAsync(session, group, attendee, join, RsvpStatus.Yes, ct);

    /// <summary>
    /// Friendica's yes (Accept) or maybe (TentativeAccept) of a session: asked under the rules of a Join, since a yes or
    /// a maybe gets the reminder with the join link. Until 2026-12-06 they were recorded as sent, so a banned actor or a
    /// non-participant of a members-only group got that link, and a yes to a full session failed in the inbox worker
    /// until the item gave up. An admitted answer is not acknowledged (Friendica's answer stands on its own); a refused
    /// one is answered Reject{answer}, and a pending one Accept/Reject{answer} when a facilitator decides.
    /// </summary>
    public Task AnswerAsync(GroupItem session, LocalActor group, RemoteActor attendee, JObject answer, RsvpStatus status, CancellationToken ct) =>
        status is RsvpStatus.Yes or RsvpStatus.Maybe
            ? AskAsync(session, group, attendee, answer, status, ct)
            : throw new ArgumentOutOfRangeException(nameof(status), status, "a yes or a maybe");

    /// <summary>
    /// A remote actor asks to come (yes) or perhaps to come (maybe): refused (Reject, their answer removed) when the
    /// session is cancelled, they are banned, the group is members-only and they are not an approved participant, or a
    /// yes finds the session full (a maybe takes no seat); pending when the session needs approval and they were not
    /// admitted with this answer (or with a yes) before; else recorded, and a Join is answered Accept. The activity is kept
    /// so that a facilitator's decision answers it.
    /// </summary>
    private async Task AskAsync(GroupItem session, LocalActor group, RemoteActor attendee, JObject asked, RsvpStatus status, CancellationToken ct)
    {
        await using var seats = await HoldSeatsAsync(session, counting: status == RsvpStatus.Yes, ct);
        var row = await UpsertAsync(session, attendee.Uri, ct);
        row.JoinJson = ActivityJson.Serialize(asked);
        var refused = await RefusalAsync(session, group, attendee.Uri, ct) is not null
            || (status == RsvpStatus.Yes && session.Capacity is { } capacity && row.Status != RsvpStatus.Yes
                && await db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes, ct) >= capacity);
        if (refused)
        {
            db.Rsvps.Remove(row);
            Answer("Reject", group, attendee, asked);
        }
        else if (session.RequireApproval && row.Status != RsvpStatus.Yes && row.Status != status)
        {
            row.Status = RsvpStatus.Pending;
        }
        else
        {
            row.Status = status;
            if (ActivityJson.HasType(asked, "Join")) Answer("Accept", group, attendee, asked);
        }
        await db.SaveChangesAsync(ct);
        await seats.CommitAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>
    /// Answers to one session take turns from the count of its seats to the commit: two Joins for the last seat, from two
    /// servers whose activities the inbox worker applies side by side, or two members answering at once, no longer both
    /// get it. SQLite's transaction is <c>BEGIN IMMEDIATE</c> (one writer at a time); on PostgreSQL the session's row is
    /// locked. Nothing is held (the commit does nothing) when the answer takes no seat (<paramref name="counting"/> false),
    /// when the session has no capacity, or inside the caller's transaction (it decides).
    /// </summary>
    private async Task<SqliteWriteGate.WriteTransaction> HoldSeatsAsync(GroupItem session, bool counting, CancellationToken ct)
    {
        if (!counting || session.Capacity is null || db.Database.CurrentTransaction is not null) return new SqliteWriteGate.WriteTransaction(null, null);
        var tx = await SqliteWriteGate.BeginAsync(db, ct); // SQLite: this process's writers' turn, then BEGIN IMMEDIATE
        if (db.Database.UsesPostgres())
            await db.Database.ExecuteSqlRawAsync("SELECT 1 FROM group_items WHERE id = {0} FOR UPDATE", [session.Id], ct);
        return tx;
    }

    /// <summary>
    /// Leave, or a Friendica answer (yes / maybe / no), or a local member's answer. The same answer sent twice at once
    /// (a double click, a client's retry) is answered the same both times: the request that finds the other's row just
    /// inserted, or already deleted, answers again against what is there now.
    /// </summary>
    public Task SetAsync(GroupItem session, string actorUri, RsvpStatus? status, CancellationToken ct) =>
        SetRetryingAsync(session, actorUri, status, approval: false, ct);

    /// <summary>
    /// A local member's own answer (the API): under the rules of a Join. <see cref="RefusalAsync"/> first (the caller
    /// answers its reason); a full session is a <see cref="FediLearnException"/>; and when the session needs approval, a
    /// yes or maybe waits for a facilitator (pending) unless the member facilitates the group or was admitted with this
    /// answer (or with a yes) before, as a remote Join does. Returns what is recorded: null after a withdrawal.
    /// </summary>
    public async Task<RsvpStatus?> MemberAnswerAsync(GroupItem session, LocalActor group, string actorUri, RsvpStatus? status, CancellationToken ct)
    {
        var approval = session.RequireApproval && status is RsvpStatus.Yes or RsvpStatus.Maybe
            && !await db.IsFacilitatorAsync(urls, group.Id, actorUri, ct);
        return await SetRetryingAsync(session, actorUri, status, approval, ct);
    }

    /// <summary>Returns what is recorded: null after a withdrawal.</summary>
    private async Task<RsvpStatus?> SetRetryingAsync(GroupItem session, string actorUri, RsvpStatus? status, bool approval, CancellationToken ct)
    {
        var callersTransaction = db.Database.CurrentTransaction is not null;
        try
        {
            return await SetOnceAsync(session, actorUri, status, approval, ct);
        }
        catch (DbUpdateException e) when (!callersTransaction && DatabaseConflicts.IsConflict(e))
        {
            foreach (var entry in db.ChangeTracker.Entries<Rsvp>().ToList()) entry.State = EntityState.Detached;
            return await SetOnceAsync(session, actorUri, status, approval, ct);
        }
    }

    private async Task<RsvpStatus?> SetOnceAsync(GroupItem session, string actorUri, RsvpStatus? status, bool approval, CancellationToken ct)
    {
        await using var seats = await HoldSeatsAsync(session, counting: status == RsvpStatus.Yes, ct);
        RsvpStatus? recorded = null;
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
            var row = await UpsertAsync(session, actorUri, ct);
            // Waiting for a facilitator, as a Join to such a session does: admitted before with this answer or a yes, not again.
            row.Status = approval && row.Status != RsvpStatus.Yes && row.Status != status ? RsvpStatus.Pending : status.Value;
            recorded = row.Status;
        }
        await db.SaveChangesAsync(ct);
        await seats.CommitAsync(ct);
        return recorded;
    }

    public async Task<IReadOnlyList<AttendeeView>> AttendeesAsync(long sessionId, CancellationToken ct) =>
        await db.Rsvps.AsNoTracking().Where(r => r.SessionId == sessionId).OrderBy(r => r.Id)
            .Select(r => new AttendeeView(r.ActorUri, r.Status, r.UpdatedAt)).ToListAsync(ct);

    /// <summary>
    /// A facilitator approves (yes, within capacity, or maybe for a TentativeAccept; Accept{Join}) or refuses (the RSVP is
    /// removed; Reject{Join}) a pending attendee. The stored Join (or Friendica answer) is embedded unchanged; a local
    /// member, or an answer without one, is only updated here.
    /// </summary>
    public async Task DecideAsync(GroupItem session, LocalActor group, string actorUri, bool approve, CancellationToken ct)
    {
        actorUri = actorUri.Trim(); // pasted ids often carry a space; the stored one never does
        // The attendee is fetched (when not cached) before the seats are held: no network wait inside the transaction.
        var asked = await db.Rsvps.AsNoTracking().FirstOrDefaultAsync(r => r.SessionId == session.Id && r.ActorUri == actorUri, ct)
            ?? throw new FediLearnException($"{actorUri} has not asked to attend this session");
        var attendee = asked.JoinJson is not null && urls.Parse(actorUri) is null
            ? await RemoteAsync(actorUri, ct) ?? throw new FediLearnException($"cannot reach {actorUri} to send the answer; nothing was changed")
            : null;
        // A pending maybe (Friendica's TentativeAccept) is approved as a maybe: it takes no seat.
        var status = asked.JoinJson is { } askedJson && ActivityJson.HasType(ActivityJson.Parse(askedJson), "TentativeAccept") ? RsvpStatus.Maybe : RsvpStatus.Yes;
        await using var seats = await HoldSeatsAsync(session, counting: approve && status == RsvpStatus.Yes, ct);
        var row = await db.Rsvps.FirstOrDefaultAsync(r => r.SessionId == session.Id && r.ActorUri == actorUri, ct)
            ?? throw new FediLearnException($"{actorUri} has not asked to attend this session");
        if (row.Status != RsvpStatus.Pending)
            throw new FediLearnException($"{actorUri} is not pending (their answer is {row.Status.ToString().ToLowerInvariant()})");
        if (approve)
        {
            if (session.Cancelled) throw new FediLearnException("the session is cancelled");
            if (status == RsvpStatus.Yes && session.Capacity is { } capacity
                && await db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes, ct) >= capacity)
                throw new FediLearnException("the session is full");
            row.Status = status;
            row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        }
        else
        {
            db.Rsvps.Remove(row);
        }
        if (row.JoinJson is { } json && attendee is not null)
            Answer(approve ? "Accept" : "Reject", group, attendee, ActivityJson.Parse(json));
        await db.SaveChangesAsync(ct);
        await seats.CommitAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>
    /// An actor banned from the group no longer comes to its sessions that are not over: their answers are removed (a
    /// pending one too), and a remote attendee whose Join or answer is kept gets Reject{it}, as Mobilizon tells a
    /// participant it has rejected, so that their own server no longer shows them as coming. The answers to sessions
    /// already over stay, as the record of who came. Part of the caller's unit of work: saved (and the delivery worker
    /// woken) by it. Returns how many
    /// answers were removed.
    /// </summary>
    public async Task<int> WithdrawBannedAsync(LocalActor group, string actorUri, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var answers = await db.Rsvps.Where(r => r.ActorUri == actorUri)
            .Join(db.GroupItems.Where(i => i.GroupId == group.Id && i.Kind == ItemKind.Session), r => r.SessionId, i => i.Id, (r, i) => new { Rsvp = r, Session = i })
            .ToListAsync(ct);
        var open = answers.Where(a => a.Session.EndsAtLocal is not { } end || a.Session.TimeZone is not { } zone || SessionTime.ToInstant(end, zone) > now).ToList();
        if (open.Count == 0) return 0;
        var attendee = urls.Parse(actorUri) is null && open.Any(a => a.Rsvp.JoinJson is not null) ? await RemoteAsync(actorUri, ct) : null;
        foreach (var answer in open)
        {
            db.Rsvps.Remove(answer.Rsvp);
            if (answer.Rsvp.JoinJson is { } json && attendee is not null) Answer("Reject", group, attendee, ActivityJson.Parse(json));
        }
        return open.Count;
    }

    /// <summary>
    /// Reminds those who answered yes or maybe with one direct Create{Note} from the group, in reply to the session,
    /// addressed to them only (never Public) and mentioning each. Remote attendees get it in their (shared) inbox, one
    /// delivery per inbox; local members are addressed but nothing is sent over HTTP. Returns how many were addressed.
    /// </summary>
    public async Task<int> RemindAsync(GroupItem session, LocalActor group, string? message, CancellationToken ct)
    {
        if (session.Cancelled) throw new FediLearnException("the session is cancelled: there is nothing to remind of");
        var zone = session.TimeZone!;
        var start = session.StartsAtLocal!.Value;
        if (SessionTime.ToInstant(session.EndsAtLocal!.Value, zone) <= time.GetUtcNow())
            throw new FediLearnException("the session is over: there is nothing to remind of");
        var attendees = await db.Rsvps.AsNoTracking()
            .Where(r => r.SessionId == session.Id && (r.Status == RsvpStatus.Yes || r.Status == RsvpStatus.Maybe))
            // Never the join link to someone banned since they answered (a ban removes their answers; this holds anyway).
            .Where(r => !db.GroupBans.Any(b => b.GroupId == group.Id && b.ActorUri == r.ActorUri))
            .OrderBy(r => r.Id).Select(r => r.ActorUri).ToListAsync(ct);
        if (attendees.Count == 0) return 0;

        var sessionId = urls.Item(group.Name, ItemKind.Session, session.Id);
        var mentions = new JArray();
        var inboxes = new List<string>();
        foreach (var actorUri in attendees)
        {
            string? name = null;
            if (urls.Parse(actorUri) is { } local)
            {
                name = $"@{local.Name}@{urls.Authority}";
            }
            else if (await RemoteAsync(actorUri, ct) is { } remote)
            {
                inboxes.Add(remote.SharedInbox ?? remote.Inbox);
                if (remote.Username is { Length: > 0 } user) name = $"@{user}@{remote.Host}";
            }
            var mention = new JObject { ["type"] = "Mention", ["href"] = actorUri };
            if (name is not null) mention["name"] = name;
            mentions.Add(mention);
        }

        var text = string.IsNullOrWhiteSpace(message)
            ? $"Reminder: {session.Title ?? "the session"} starts {start.ToString("ddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture)} "
              + $"{SessionTime.Abbreviation(zone, start)} ({zone})."
            : message.Trim();
        var html = new StringBuilder(Paragraphs(text));
        if (session.JoinUrl is { } join)
            html.Append($"<p>Join: <a href=\"{WebUtility.HtmlEncode(join)}\" rel=\"nofollow noopener\">{WebUtility.HtmlEncode(join)}</a></p>");
        html.Append($"<p><a href=\"{WebUtility.HtmlEncode(sessionId)}\">{WebUtility.HtmlEncode(session.Title ?? sessionId)}</a></p>");

        var groupId = urls.Actor(group);
        var to = new JArray(attendees);
        var note = new JObject
        {
            ["type"] = "Note",
            ["attributedTo"] = groupId,
            ["to"] = to,
            ["inReplyTo"] = sessionId,
            ["published"] = GroupObjectRenderer.Time(time.GetUtcNow()),
            ["content"] = html.ToString(),
            ["mediaType"] = "text/html",
            ["tag"] = mentions,
        };
        var create = new JObject
        {
            ["@context"] = JsonLdContexts.ActivityStreams,
            ["type"] = "Create",
            ["actor"] = groupId,
            ["to"] = to.DeepClone(),
            ["published"] = note["published"]!.DeepClone(),
            ["object"] = note,
        };
        var stored = queue.CreateActivity(db, group, create, isPublic: false);
        // The Note exists only inside its Create: its id is the activity's id plus a fragment, so dereferencing it reaches
        // /activities/{key}, which answers 403 like every non-public activity (it exists: never 404).
        var json = ActivityJson.Parse(stored.Json);
        json["object"]!["id"] = $"{urls.Activity(stored.Key)}#note";
        stored.Json = json.ToString(Newtonsoft.Json.Formatting.None);
        queue.Enqueue(db, stored, inboxes);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
        return attendees.Count;
    }

    private async Task<Rsvp> UpsertAsync(GroupItem session, string actorUri, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = await db.Rsvps.FirstOrDefaultAsync(r => r.SessionId == session.Id && r.ActorUri == actorUri, ct);
        if (row is null) db.Rsvps.Add(row = new Rsvp { SessionId = session.Id, ActorUri = actorUri, CreatedAt = now, Status = RsvpStatus.Pending });
        row.UpdatedAt = now;
        return row;
    }

    /// <summary>The cached remote actor, fetched when not yet known; null when it cannot be fetched.</summary>
    private async Task<RemoteActor?> RemoteAsync(string actorUri, CancellationToken ct)
    {
        if (await resolver.FindCachedAsync(actorUri, ct) is { } cached) return cached;
        try { return await resolver.GetActorAsync(actorUri, refresh: false, ct); }
        catch (FetchException) { return null; }
        catch (UriFormatException) { return null; }
    }

    /// <summary>Plain text as HTML paragraphs: escaped, blank lines separate paragraphs, single newlines become &lt;br&gt;.</summary>
    private static string Paragraphs(string text)
    {
        var html = new StringBuilder();
        foreach (var paragraph in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            html.Append("<p>").Append(string.Join("<br>", paragraph.Split('\n').Select(WebUtility.HtmlEncode))).Append("</p>");
        return html.ToString();
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
