using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Queues;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

/// <summary>
/// The group as a relay (federation.md items 14-16): a reply from any server to a group object (or to a reply in its
/// thread), or a post mentioning the group, is stored in the thread and announced by the group to every follower, so
/// a cohort spread over many servers reads one discussion. The caller has already checked that the object is the
/// signer's own (same origin, attributed to the signer).
/// </summary>
public sealed class ThreadService(
    FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, OutboundDocuments outbound, FanoutSignal signal, DeliverySignal deliveries, PublishingService publishing, RemoteActorResolver resolver,
    TimeProvider time, ILogger<ThreadService> logger)
{
    private static readonly HashSet<string> ReplyTypes = ["Note", "Article", "Page"];

    /// <summary>How many unknown ancestors of a reply are fetched to find its thread (Mastodon stops at 7; threads here are shallow).</summary>
    public const int MaxParentFetches = 3;

    /// <summary>
    /// True when the object belonged in one of our threads (stored now or before, or refused by the group's rules).
    /// <paramref name="activity"/> is the Create as received: the group relays it unchanged (FEP-1b12).
    /// </summary>
    public Task<bool> ReceiveAsync(RemoteActor author, JObject obj, JObject? activity, CancellationToken ct) =>
        ReceiveAsync(author, obj, activity, MaxParentFetches, ct);

    private async Task<bool> ReceiveAsync(RemoteActor author, JObject obj, JObject? activity, int fetchBudget, CancellationToken ct)
    {
        if (!ReplyTypes.Contains(ActivityJson.GetTypes(obj).FirstOrDefault() ?? "")) return false;
        var id = ActivityJson.GetId(obj)!;
        var inReplyTo = ActivityJson.GetId(obj["inReplyTo"]);
        var (group, top) = await FindThreadAsync(inReplyTo, obj, fetchBudget, ct);
        if (group is null) return false;
        if (await HotQueries.ReplyExistsAsync(db, id)) return true; // a replay or a re-delivery
        if (await ModerationService.IsBannedAsync(db, group.Id, author.Uri, ct))
        {
            logger.LogInformation("Refused {Id}: {Author} is banned from {Group}", id, author.Uri, group.Name);
            return true;
        }
        if (!await MayPostAsync(group, author.Uri, ct))
        {
            logger.LogInformation("Refused {Id}: {Group} takes replies from {Policy} only", id, group.Name, group.PostingPolicyAt(time.GetUtcNow()));
            return true;
        }

        // A vote in a check-in is a Note with a name and no content (Mastodon); votes are not discussion.
        if (top is { Kind: ItemKind.Prompt, ChoicesJson: not null } && ActivityJson.GetString(obj, "name") is { } choice
            && string.IsNullOrEmpty(ActivityJson.GetString(obj, "content")))
        {
            await VoteAsync(group, top, author, id, choice, ct);
            return true;
        }

        var reply = new Reply
        {
            Uri = id,
            GroupId = group.Id,
            TopItemId = top?.Id,
            InReplyTo = inReplyTo,
            AuthorUri = author.Uri,
            AuthorHost = author.Host,
            AuthorName = author.Username is null ? null : $"{author.Username}@{author.Host}",
            ContentHtml = HtmlSanitizer.Sanitize(ActivityJson.GetString(obj, "content") ?? ""),
            Json = ActivityJson.Serialize(obj),
            PublishedAt = Published(obj) ?? time.GetUtcNow().UtcDateTime,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Replies.Add(reply);
        var relayed = activity is not null && ActivityJson.GetId(activity) is not null ? activity : null;
        var stored = Relay(group, author.Uri, relayed, id, out var fanout);
        // The reply is stored once: the Announce row keeps only the author's activity around it (OutboundDocuments).
        var compact = relayed is not null && OutboundDocuments.TryCompact(stored, relayed, obj);
        // The reply, its Announce and the Announce's delivery jobs together or not at all (each row's id is known only
        // after its insert): one write transaction per reply instead of a second one, a claim and look-ups in the
        // FanoutWorker (issue 7, inbox speed).
        int inboxes;
        await using (var tx = await SqliteWriteGate.BeginAsync(db, ct))
        {
            await db.SaveChangesAsync(ct);
            reply.AnnounceActivityId = stored.Id;
            if (compact) stored.ReplyId = reply.Id;
            inboxes = await queue.ExpandNowAsync(db, fanout, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        if (inboxes > 0) deliveries.Signal.Notify();
        return true;
    }

    /// <summary>The group's Announce to its followers (FEP-1b12): of the author's activity, or of the object id when there is none.</summary>
    private OutboundActivity Relay(LocalActor group, string authorUri, JObject? activity, string objectId) =>
        Relay(group, authorUri, activity, objectId, out _);

    private OutboundActivity Relay(LocalActor group, string authorUri, JObject? activity, string objectId, out FanoutJob fanout) =>
        queue.Broadcast(db, group, outbound.Announce(group, authorUri, activity is null ? objectId : activity.DeepClone(), time.GetUtcNow().UtcDateTime), out fanout);

    /// <summary>The group's posting policy (federation.md item 15): open, its approved followers and facilitators, or facilitators only.</summary>
    private async Task<bool> MayPostAsync(LocalActor group, string authorUri, CancellationToken ct)
    {
        var policy = group.PostingPolicyAt(time.GetUtcNow());
        if (policy == PostingPolicy.Open) return true;
        if (urls.Parse(authorUri) is { Kind: ActorKind.Person } person
            && await db.GroupFacilitators.AnyAsync(f => f.GroupId == group.Id && db.LocalActors.Any(a => a.Id == f.PersonId && a.Kind == ActorKind.Person && a.Name == person.Name), ct))
            return true;
        return policy == PostingPolicy.Participants
            && await db.Followers.AnyAsync(f => f.LocalActorId == group.Id && f.ActorUri == authorUri && f.State == FollowState.Accepted, ct);
    }

    /// <summary>
    /// A vote (federation.md item 12): counted once per voter and choice (once per voter in a single-choice check-in),
    /// refused after the closing time; the group then sends the Question again with its new totals.
    /// </summary>
    private async Task VoteAsync(LocalActor group, GroupItem question, RemoteActor voter, string objectUri, string choice, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (question.ClosesAt is { } closes && closes <= now) { logger.LogInformation("Vote {Id} after the check-in closed", objectUri); return; }
        if (!GroupObjectRenderer.Strings(question.ChoicesJson).Contains(choice)) return;
        var previous = db.Votes.Where(v => v.PromptId == question.Id && v.VoterUri == voter.Uri);
        if (await previous.AnyAsync(v => v.Choice == choice, ct) || (!question.MultipleChoice && await previous.AnyAsync(ct))) return;
        db.Votes.Add(new Vote { PromptId = question.Id, VoterUri = voter.Uri, Choice = choice, ObjectUri = objectUri, CreatedAt = now });
        await db.SaveChangesAsync(ct);
        var tracked = await db.GroupItems.FirstAsync(i => i.Id == question.Id, ct);
        await publishing.SendUpdateAsync(group, tracked, ct);
    }

    /// <summary>An edit by the author: the stored copy follows it; the relay of the edit is stored whole.</summary>
    public async Task<bool> UpdateAsync(RemoteActor author, JObject obj, JObject? activity, CancellationToken ct)
    {
        var id = ActivityJson.GetId(obj);
        var reply = await db.Replies.FirstOrDefaultAsync(r => r.Uri == id && r.AuthorUri == author.Uri && r.DeletedAt == null, ct);
        if (reply is null) return false;
        var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == reply.GroupId, ct);
        // The first relay embeds the author's Create as it was (its signature covers that version): made whole before
        // the stored reply changes.
        if (reply.AnnounceActivityId is { } announceId
            && await db.OutboundActivities.FirstOrDefaultAsync(a => a.Id == announceId && a.ReplyId == reply.Id, ct) is { } relay)
        {
            relay.Json = outbound.Expand(relay, group, reply.Json, reply.AuthorUri);
            relay.ReplyId = null;
        }
        reply.ContentHtml = HtmlSanitizer.Sanitize(ActivityJson.GetString(obj, "content") ?? "");
        reply.Json = ActivityJson.Serialize(obj);
        reply.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (activity is not null && ActivityJson.GetId(activity) is not null) Relay(group, author.Uri, activity, id!);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
        return true;
    }

    /// <summary>
    /// The author deleted it: it leaves the thread, the group withdraws its Announce (what Mastodon honours) and relays
    /// the author's Delete (FEP-1b12).
    /// </summary>
    public async Task<bool> DeleteAsync(RemoteActor author, string id, JObject? activity, CancellationToken ct)
    {
        var reply = await db.Replies.FirstOrDefaultAsync(r => r.Uri == id && r.AuthorUri == author.Uri && r.DeletedAt == null, ct);
        if (reply is null) return false;
        reply.DeletedAt = time.GetUtcNow().UtcDateTime;
        var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == reply.GroupId, ct);
        await WithdrawAnnounceAsync(reply, group, ct);
        if (activity is not null && ActivityJson.GetId(activity) is not null) Relay(group, author.Uri, activity, id);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
        return true;
    }

    /// <summary>Queues Undo{Announce} of the group's relay of a reply (what makes Mastodon drop the boost); the caller saves.</summary>
    public async Task WithdrawAnnounceAsync(Reply reply, LocalActor group, CancellationToken ct)
    {
        if (reply.AnnounceActivityId is { } announceId
            && await db.OutboundActivities.AsNoTracking().FirstOrDefaultAsync(a => a.Id == announceId, ct) is { } announce)
            queue.Broadcast(db, group, ActivityBuilder.Undo(urls.Actor(group), urls.Followers(group),
                ActivityJson.Parse(announce.ReplyId is null ? announce.Json : outbound.Expand(announce, group, reply.Json, reply.AuthorUri))));
    }

    /// <summary>The thread an object belongs to: a group object it answers, a reply in a thread, or a group it mentions.</summary>
    private async Task<(LocalActor? Group, GroupItem? Top)> FindThreadAsync(string? inReplyTo, JObject obj, int fetchBudget, CancellationToken ct)
    {
        var found = await FindKnownThreadAsync(inReplyTo, obj, ct);
        if (found.Group is not null || inReplyTo is null || fetchBudget <= 0 || urls.IsLocal(inReplyTo)) return found;
        // An answer to something we have not seen (it may still be on its way, or was sent to others only): fetch the
        // parent from its origin and take it into the thread first if it belongs there, up to MaxParentFetches levels.
        if (!await FetchParentAsync(inReplyTo, fetchBudget - 1, ct)) return (null, null);
        return await FindKnownThreadAsync(inReplyTo, obj, ct);
    }

    private async Task<bool> FetchParentAsync(string uri, int fetchBudget, CancellationToken ct)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parentUri)) return false;
        try
        {
            var parent = await resolver.FetchObjectAsync(parentUri, ct);
            var authorId = ActivityJson.GetIds(parent["attributedTo"]).FirstOrDefault();
            if (authorId is null || !Uri.TryCreate(authorId, UriKind.Absolute, out var authorUri)
                || !string.Equals(authorUri.Authority, parentUri.Authority, StringComparison.OrdinalIgnoreCase)) return false;
            var author = await resolver.GetActorAsync(authorId, refresh: false, ct);
            if (await SignatureAuthenticator.IsBlockedAsync(db, authorUri.IdnHost, ct)) return false;
            return await ReceiveAsync(author, parent, null, fetchBudget, ct) && await db.Replies.AnyAsync(r => r.Uri == uri, ct);
        }
        catch (FetchException e)
        {
            logger.LogInformation("Parent {Uri} could not be fetched: {Message}", uri, e.Message);
            return false;
        }
    }

    private async Task<(LocalActor? Group, GroupItem? Top)> FindKnownThreadAsync(string? inReplyTo, JObject obj, CancellationToken ct)
    {
        if (urls.ParseItem(inReplyTo) is { } target)
        {
            var group = await HotQueries.GroupByNameAsync(db, target.Group);
            var item = group is null ? null : await HotQueries.PublishedItemAsync(db, target.Id, group.Id, target.Kind);
            if (item is not null) return (group, item);
        }
        else if (inReplyTo is not null && await db.Replies.AsNoTracking().FirstOrDefaultAsync(r => r.Uri == inReplyTo && r.DeletedAt == null, ct) is { } parent)
        {
            var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == parent.GroupId, ct);
            var top = parent.TopItemId is { } topId ? await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == topId, ct) : null;
            return (group, top);
        }
        // `tag` may be one object rather than an array (Fedify sends a lone Mention that way).
        var tags = obj["tag"] switch { JArray many => many.OfType<JObject>(), JObject one => [one], _ => [] };
        foreach (var tag in tags)
        {
            if (ActivityJson.GetString(tag, "type") != "Mention") continue;
            if (urls.Parse(ActivityJson.GetString(tag, "href")) is { Kind: ActorKind.Group } g
                && await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == g.Name, ct) is { } mentioned)
                return (mentioned, null);
        }
        return (null, null);
    }

    private static DateTime? Published(JObject obj) =>
        DateTimeOffset.TryParse(ActivityJson.GetString(obj, "published"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var published) && published <= DateTimeOffset.UtcNow.AddMinutes(5)
            ? published.UtcDateTime
            : null;
}
