using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

public sealed record ModerationView(DateTime At, string Action, string Target, string? Reason, string? Moderator);

/// <summary>A report with the group it was sent to (null: the instance actor, for the admins) and its objects parsed.</summary>
public sealed record ReportView(long Id, string? GroupName, string? GroupTitle, string ReporterUri, IReadOnlyList<string> Objects,
    string? Content, DateTime CreatedAt, DateTime? ResolvedAt);

/// <summary>
/// Facilitators moderate their group (federation.md items 16, 18): remove a reply (the group withdraws its Announce,
/// which Mastodon honours, and announces a Delete, FEP-1b12), ban an actor (refused from then on, and removed as a
/// follower with Reject{Follow}, their answers to its sessions to come withdrawn with Reject{Join}), report a remote reply to its author's server (a Flag from the instance actor), and read
/// the reports and the moderation log. Every action is logged.
/// </summary>
public sealed class ModerationService(
    FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, FollowerService followers, ThreadService threads, FanoutSignal signal,
    DeliverySignal delivery, RemoteActorResolver resolver, RsvpService rsvps, TimeProvider time)
{
    public async Task RemoveReplyAsync(string groupName, string replyUri, LocalActor? moderator, string? reason, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        replyUri = replyUri.Trim(); // pasted with a newline or a space, it named no reply
        var reply = await db.Replies.FirstOrDefaultAsync(r => r.GroupId == group.Id && r.Uri == replyUri && r.DeletedAt == null, ct)
            ?? throw new FediLearnException($"there is no reply {replyUri} in {groupName}");
        reply.DeletedAt = time.GetUtcNow().UtcDateTime;
        var groupId = urls.Actor(group);
        await threads.WithdrawAnnounceAsync(reply, group, ct);
        // The Delete is an activity of its own, with an id under /activities/ that answers a GET (Lemmy requires an id on
        // an announced activity, on its actor's origin), addressed as the Announce around it. The moderator's reason
        // stays in the moderation log: the form promises it is not sent (Lemmy would read it from a summary).
        var delete = new JObject { ["type"] = "Delete", ["actor"] = groupId, ["object"] = replyUri, ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["cc"] = new JArray(urls.Followers(group)) };
        if (group.MembersOnly) Audience.RestrictToFollowers(delete, groupId, urls.Followers(group));
        var stored = queue.CreateActivity(db, group, delete, isPublic: !group.MembersOnly);
        var inner = JObject.Parse(stored.Json);
        inner.Remove("@context");
        queue.Broadcast(db, group, new JObject
        {
            ["@context"] = JsonLdContexts.ActivityStreams,
            ["type"] = "Announce",
            ["actor"] = groupId,
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["cc"] = new JArray(urls.Followers(group)),
            ["object"] = inner,
        });
        Log(group.Id, moderator, "remove-reply", replyUri, reason);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>
    /// Reports a reply in the group's thread to its author's server, as Mastodon's reports do: a Flag from our instance
    /// actor with object [author, reply], to the author, delivered to their shared inbox (or inbox). Logged as "report".
    /// </summary>
    public async Task ReportRemoteAsync(string groupName, string replyUri, LocalActor? moderator, string? comment, CancellationToken ct)
    {
        replyUri = replyUri.Trim(); // pasted ids often carry a space; the stored one never does
        var group = await db.FindGroupAsync(groupName, ct);
        var reply = await db.Replies.AsNoTracking().FirstOrDefaultAsync(r => r.GroupId == group.Id && r.Uri == replyUri, ct)
            ?? throw new FediLearnException($"there is no reply {replyUri} in {groupName}");
        if (urls.Parse(reply.AuthorUri) is not null)
            throw new FediLearnException($"{replyUri} is by a member of this node ({reply.AuthorUri}): there is no other server to report it to");
        RemoteActor author;
        try
        {
            author = await resolver.FindCachedAsync(reply.AuthorUri, ct) ?? await resolver.GetActorAsync(reply.AuthorUri, refresh: false, ct);
        }
        catch (FetchException e) { throw new FediLearnException($"cannot reach the author {reply.AuthorUri}: {e.Message}"); }
        var instance = await db.LocalActors.FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct)
            ?? throw new InvalidOperationException("The instance actor does not exist: the database was not prepared.");
        var flag = new JObject
        {
            ["@context"] = JsonLdContexts.ActivityStreams,
            ["type"] = "Flag",
            ["actor"] = urls.Actor(instance),
            ["to"] = new JArray(author.Uri),
            ["object"] = new JArray(author.Uri, reply.Uri),
        };
        if (!string.IsNullOrWhiteSpace(comment)) flag["content"] = comment.Trim();
        queue.Enqueue(db, queue.CreateActivity(db, instance, flag, isPublic: false), [author.SharedInbox ?? author.Inbox]);
        Log(group.Id, moderator, "report", replyUri, comment);
        await db.SaveChangesAsync(ct);
        delivery.Signal.Notify();
    }

    public async Task BanAsync(string groupName, string actorUri, LocalActor? moderator, string? reason, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        // Uri takes an id with spaces or a newline around it; stored so, the ban matched no actor and unban did not find it.
        actorUri = actorUri.Trim();
        if (!IsActorId(actorUri)) throw new FediLearnException($"\"{actorUri}\" is not an actor id (an http or https URL)");
        if (IriLength.IsTooLong(actorUri)) throw new FediLearnException($"An actor id is at most {IriLength.MaxBytes} bytes long");
        if (await db.GroupBans.AnyAsync(b => b.GroupId == group.Id && b.ActorUri == actorUri, ct))
            throw new FediLearnException($"{actorUri} is already banned from {groupName}");
        db.GroupBans.Add(new GroupBan { GroupId = group.Id, ActorUri = actorUri, Reason = reason, CreatedAt = time.GetUtcNow().UtcDateTime });
        Log(group.Id, moderator, "ban", actorUri, reason);
        var withdrawn = await rsvps.WithdrawBannedAsync(group, actorUri, ct); // their seats and the reminder with the join link
        await db.SaveChangesAsync(ct);
        if (withdrawn > 0) delivery.Signal.Notify();
        if (await db.Followers.AnyAsync(f => f.LocalActorId == group.Id && f.ActorUri == actorUri, ct))
            await followers.RemoveAsync(groupName, actorUri, ct); // Reject{Follow}: their server unfollows
    }

    /// <summary>An actor id as a ban names it: an absolute http or https URL (a handle or a path is not one).</summary>
    public static bool IsActorId(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    public async Task UnbanAsync(string groupName, string actorUri, LocalActor? moderator, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        actorUri = actorUri.Trim();
        var ban = await db.GroupBans.FirstOrDefaultAsync(b => b.GroupId == group.Id && b.ActorUri == actorUri, ct)
            ?? throw new FediLearnException($"{actorUri} is not banned from {groupName}");
        db.GroupBans.Remove(ban);
        Log(group.Id, moderator, "unban", actorUri, null);
        await db.SaveChangesAsync(ct);
    }

    public static Task<bool> IsBannedAsync(FediLearnDbContext db, long groupId, string actorUri, CancellationToken ct) =>
        HotQueries.IsBannedAsync(db, groupId, actorUri);

    public async Task<IReadOnlyList<ModerationView>> LogAsync(string groupName, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        return await db.ModerationLog.AsNoTracking().Where(e => e.GroupId == group.Id).OrderByDescending(e => e.Id).Take(500)
            .Select(e => new ModerationView(e.CreatedAt, e.Action, e.Target, e.Reason,
                db.LocalActors.Where(a => a.Id == e.ModeratorId).Select(a => a.Name).FirstOrDefault()))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<Report>> ReportsAsync(string? groupName, CancellationToken ct)
    {
        long? groupId = groupName is null ? null : (await db.FindGroupAsync(groupName, ct)).Id;
        return await db.Reports.AsNoTracking().Where(r => r.GroupId == groupId).OrderByDescending(r => r.Id).Take(500).ToListAsync(ct);
    }

    /// <summary>Reports for one group's facilitators, or every report (all groups and the instance actor) when group is
    /// null, for the admins: open ones first, newest first within each.</summary>
    public async Task<IReadOnlyList<ReportView>> ReportViewsAsync(LocalActor? group, int limit, CancellationToken ct)
    {
        var query = db.Reports.AsNoTracking();
        if (group is not null) query = query.Where(r => r.GroupId == group.Id);
        var rows = await query.OrderBy(r => r.ResolvedAt != null).ThenByDescending(r => r.Id).Take(limit)
            .Select(r => new
            {
                Report = r,
                Group = db.LocalActors.Where(a => a.Id == r.GroupId).Select(a => new { a.Name, a.DisplayName }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.Select(r => new ReportView(r.Report.Id, r.Group?.Name, r.Group?.DisplayName, r.Report.ReporterUri, ReportObjects(r.Report),
            r.Report.Content, r.Report.CreatedAt, r.Report.ResolvedAt)).ToList();
    }

    /// <summary>
    /// Marks a report resolved and logs "resolve-report" (target: the Flag's id). A facilitator passes their group: a
    /// report sent to another group is then unknown (false), as is an id that does not exist; a node admin passes null
    /// and may resolve any report. An already resolved report is refused.
    /// </summary>
    public async Task<bool> ResolveReportAsync(long reportId, LocalActor? group, LocalActor? moderator, CancellationToken ct)
    {
        var report = await db.Reports.FirstOrDefaultAsync(r => r.Id == reportId, ct);
        if (report is null || (group is not null && report.GroupId != group.Id)) return false;
        if (report.ResolvedAt is not null) throw new FediLearnException($"report {reportId} is already resolved");
        report.ResolvedAt = time.GetUtcNow().UtcDateTime;
        Log(report.GroupId, moderator, "resolve-report", report.ActivityId, null);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The reported objects (actor and object ids) stored with a report; an unreadable list counts as none.</summary>
    public static IReadOnlyList<string> ReportObjects(Report report)
    {
        try
        {
            return StoredJson.ReadStrings(report.ObjectsJson);
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return [];
        }
    }

    private void Log(long? groupId, LocalActor? moderator, string action, string target, string? reason) =>
        Log(db, time, groupId, moderator, action, target, reason);

    /// <summary>Adds an entry to the moderation log, saved with the caller's other changes (GroupService's facilitator changes use it too).</summary>
    internal static void Log(FediLearnDbContext db, TimeProvider time, long? groupId, LocalActor? moderator, string action, string target, string? reason) =>
        db.ModerationLog.Add(new ModerationLogEntry
        {
            GroupId = groupId, ModeratorId = moderator?.Id, Action = action, Target = target,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime,
        });
}
