using System.Text;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Options;
using FediLearn.Core.Queues;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

/// <summary>
/// The group as a relay (federation.md items 14-16): a reply from any server to a group object (or to a reply in its
/// thread), or a post mentioning the group, is stored in the thread and announced by the group to every follower, so
/// a cohort spread over many servers reads one discussion. The caller has already checked that the object is the
/// signer's own (same origin, attributed to the signer).
/// </summary>
public sealed class ThreadService(
    FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, OutboundDocuments outbound, FanoutSignal signal, DeliverySignal deliveries, RemoteActorResolver resolver,
    TimeProvider time, IOptions<FediLearnOptions> options, ILogger<ThreadService> logger)
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
        if (await RefusedAsync(group, author, id, ct)) return true;
        if (IsVote(top, obj, out var choice))
        {
            await VoteAsync(group, top!, author, id, choice, ct);
            return true;
        }
        if (!MayRelay(group, obj, activity)) return false;
        await StoreAsync([Stage(group, top, author, obj, activity, id, inReplyTo)], null, ct);
        return true;
    }

    /// <summary>
    /// Whether a reply may join a group's thread, which its group relays to every follower and lists in the thread's
    /// public <c>context</c>: in a public group only a reply its author made public (Public in its addressing, as
    /// Mastodon's public and unlisted posts have). A followers-only post or a direct message that mentions the group
    /// is not made public by the group: it is left out of the thread, as Lemmy leaves it out of a community and as
    /// Mastodon refuses to boost it. A members-only group relays only to its participants, never to Public, and takes
    /// its participants' replies whatever their addressing (FEDERATION.md, "Members-only groups").
    /// </summary>
    private static bool MayRelay(LocalActor group, JObject obj, JObject? activity) =>
        group.MembersOnly || Audience.IsPublic(HasAddressing(obj) || activity is null ? obj : activity);

    private static bool HasAddressing(JObject document) =>
        document["to"] is { } to && to is not JArray { Count: 0 } || document["cc"] is { } cc && cc is not JArray { Count: 0 };

    /// <summary>
    /// A claimed batch of replies (issue 7, inbox speed): those that answer a thread we already know (a group object, a
    /// stored reply, or one earlier in the batch) are stored and relayed in <b>one</b> write transaction, their threads
    /// and replays looked up once per batch. <paramref name="withTaken"/> gets the indexes of the objects dealt with
    /// (stored, a replay, or refused by the group's rules) and writes in that same transaction. The others (not a reply,
    /// a thread to fetch or not ours, a vote) are left for
    /// <see cref="ReceiveAsync(RemoteActor, JObject, JObject?, CancellationToken)"/>, one by one, after this batch.
    /// Each object must already be its author's own, as for the one-by-one path. Nothing is written when this throws.
    /// </summary>
    public async Task ReceiveBatchAsync(IReadOnlyList<(RemoteActor Author, JObject Object, JObject Activity)> replies,
        Func<IReadOnlySet<int>, CancellationToken, Task> withTaken, CancellationToken ct)
    {
        var taken = new HashSet<int>();
        var ids = replies.Select(r => ActivityJson.GetId(r.Object)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var known = (await db.Replies.AsNoTracking().Where(r => EF.Parameter(ids).Contains(r.Uri)).Select(r => r.Uri).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var parents = new Dictionary<string, (LocalActor? Group, GroupItem? Top, bool Gone)>(StringComparer.Ordinal);
        var staged = new Dictionary<string, StagedReply>(StringComparer.Ordinal);
        var rules = new Dictionary<(long, string), bool>(); // refused or not, per group and author
        // Bans of the batch's authors in any group, in one query (they are few; a batch has up to one author per item).
        var authors = replies.Select(r => r.Author.Uri).Distinct(StringComparer.Ordinal).ToList();
        var bans = (await db.GroupBans.AsNoTracking().Where(b => EF.Parameter(authors).Contains(b.ActorUri)).Select(b => new { b.GroupId, b.ActorUri }).ToListAsync(ct))
            .Select(b => (b.GroupId, b.ActorUri)).ToHashSet();
        for (var i = 0; i < replies.Count; i++)
        {
            var (author, obj, activity) = replies[i];
            if (!ReplyTypes.Contains(ActivityJson.GetTypes(obj).FirstOrDefault() ?? "") || ActivityJson.GetId(obj) is not { } id) continue;
            var inReplyTo = ActivityJson.GetId(obj["inReplyTo"]);
            (LocalActor? Group, GroupItem? Top, bool Gone) thread = (null, null, false);
            if (inReplyTo is not null && staged.TryGetValue(inReplyTo, out var parent)) thread = (parent.Group, parent.Top, false);
            else if (inReplyTo is not null && !parents.TryGetValue(inReplyTo, out thread))
                parents[inReplyTo] = thread = await FindByParentAsync(inReplyTo, ct);
            if (thread.Group is null && !thread.Gone) thread = (await FindByMentionAsync(obj, ct), null, false);
            if (thread.Group is not { } group) continue; // perhaps a parent to fetch first, or not ours: one by one
            if (known.Contains(id) || staged.ContainsKey(id) || await RefusedAsync(group, author, id, rules, bans, ct))
            {
                taken.Add(i); // a replay, the same reply twice in this batch, or refused by the group's rules
                continue;
            }
            if (IsVote(thread.Top, obj, out _)) continue; // counted one by one
            if (!MayRelay(group, obj, activity)) continue; // not public: one by one, where it is no thread reply
            staged[id] = Stage(group, thread.Top, author, obj, activity, id, inReplyTo);
            taken.Add(i);
        }
        await StoreAsync(staged.Values, t => withTaken(taken, t), ct);
    }

    /// <summary>A reply ready to be stored, with the group's Announce of it and that Announce's fan-out job.</summary>
    private sealed record StagedReply(LocalActor Group, GroupItem? Top, Reply Reply, OutboundActivity Announce, FanoutJob Fanout, bool Compact);

    /// <summary>A reply and the group's relay of it, built for <see cref="StoreAsync"/> to write (not added to the context).</summary>
    private StagedReply Stage(LocalActor group, GroupItem? top, RemoteActor author, JObject obj, JObject? activity, string id, string? inReplyTo)
    {
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
        var relayed = activity is not null && ActivityJson.GetId(activity) is not null ? activity : null;
        // The reply is stored once: the Announce row keeps only the author's activity around it (OutboundDocuments).
        if (relayed is not null && OutboundDocuments.CompactEnvelope(relayed, obj) is { } envelope)
        {
            if (FitsOneBody(AnnounceWrapperBytes, envelope, reply.Json))
                return new StagedReply(group, top, reply, queue.NewCompactRelay(group, envelope, out var relay), relay, Compact: true);
            relayed = null;
        }
        var stored = queue.NewBroadcast(group, Announce(group, author.Uri, relayed, id), out var fanout);
        if (relayed is not null && !FitsOneBody(0, stored.Json))
            stored = queue.NewBroadcast(group, Announce(group, author.Uri, null, id), out fanout);
        return new StagedReply(group, top, reply, stored, fanout, Compact: false);
    }

    /// <summary>What the group's Announce adds around the author's activity, generously (ids, addressing, published).</summary>
    private const int AnnounceWrapperBytes = 2048;

    /// <summary>
    /// Whether a relay made of these parts, and <paramref name="extraBytes"/> around them, fits in one request body as
    /// receivers bound it (ours: <c>Federation:MaxBodyBytes</c>, 1 MiB). An author's activity just under that limit no
    /// longer fits once the Announce is around it, and a receiver that enforces it answers 413, a final failure: such a
    /// relay names the reply by its id instead (FEP-1b12 allows both), and each server fetches it.
    /// </summary>
    private bool FitsOneBody(int extraBytes, params ReadOnlySpan<string> parts)
    {
        long limit = options.Value.Federation.MaxBodyBytes - extraBytes, chars = 0, bytes = 0;
        foreach (var part in parts) chars += part.Length;
        // UTF-8 takes at most 3 bytes per UTF-16 unit: a reply of ordinary size needs no count.
        if (chars * 3 <= limit) return true;
        foreach (var part in parts) bytes += Encoding.UTF8.GetByteCount(part);
        return bytes <= limit;
    }

    /// <summary>
    /// The staged replies, their Announces, the Announces' fan-out marks and delivery jobs together or not at all, in one
    /// write transaction with no claim, look-up or transaction of the FanoutWorker's (issue 7, inbox speed). The rows are
    /// written set-based (<see cref="MultiRowWrites"/>): a handful of statements for a whole batch, where EF wrote each
    /// row with its own command and then updated the rows that point at each other. <paramref name="alongside"/> writes
    /// in the same transaction, even when nothing is staged.
    /// </summary>
    private async Task StoreAsync(IReadOnlyCollection<StagedReply> staged, Func<CancellationToken, Task>? alongside, CancellationToken ct)
    {
        if (staged.Count == 0 && alongside is null) return;
        var inboxes = 0;
        // The replies' rows are encoded before the writer is taken; the Announces' need the replies' ids.
        var replies = MultiRowWrites.Prepare(db, "replies",
            ["uri", "group_id", "top_item_id", "in_reply_to", "author_uri", "author_host", "author_name", "content_html", "json", "published_at", "received_at"],
            [.. staged.Select(s => s.Reply).Select(r => new object?[]
            {
                r.Uri, r.GroupId, r.TopItemId, r.InReplyTo, r.AuthorUri, r.AuthorHost, r.AuthorName, r.ContentHtml, r.Json,
                MultiRowWrites.Utc(r.PublishedAt), MultiRowWrites.Utc(r.ReceivedAt),
            })], returningKey: "uri");
        await using (var tx = await SqliteWriteGate.BeginAsync(db, ct))
        {
            await db.SaveChangesAsync(ct); // whatever else the caller changed on the way (a remote actor's profile…)
            if (alongside is not null) await alongside(ct);
            if (staged.Count == 0)
            {
                await tx.CommitAsync(ct);
                return;
            }
            var replyIds = await MultiRowWrites.InsertReturningIdsAsync(db, replies, ct);
            foreach (var s in staged)
            {
                s.Reply.Id = replyIds[s.Reply.Uri];
                if (s.Compact) s.Announce.ReplyId = s.Reply.Id;
            }
            var announceIds = await MultiRowWrites.InsertReturningIdsAsync(db, "outbound_activities", ["key", "actor_id", "type", "json", "is_public", "created_at", "reply_id"], "key",
                [.. staged.Select(s => s.Announce).Select(a => new object?[] { a.Key, a.ActorId, a.Type, a.Json, a.IsPublic, MultiRowWrites.Utc(a.CreatedAt), a.ReplyId })], ct);
            foreach (var s in staged)
            {
                s.Announce.Id = s.Fanout.ActivityId = announceIds[s.Announce.Key];
                s.Reply.AnnounceActivityId = s.Announce.Id;
                // Expanded below, in this transaction: the fan-out is written done (kept as the mark that the relay went
                // to all followers, which a members-only group's outbox reads).
                s.Fanout.State = DeliveryState.Succeeded;
                s.Fanout.Attempts = 1;
            }
            await MultiRowWrites.InsertAsync(db, "fanout_jobs", ["activity_id", "actor_id", "state", "attempts", "next_attempt_at", "created_at"],
                [.. staged.Select(s => s.Fanout).Select(f => new object?[] { f.ActivityId, f.ActorId, (int)f.State, f.Attempts, f.NextAttemptAt, f.CreatedAt })], ct);
            await MultiRowWrites.SetByIdAsync(db, "replies", "announce_activity_id", [.. staged.Select(s => (s.Reply.Id, (object?)s.Announce.Id))], ct);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var group in staged.GroupBy(s => (s.Group.Id, s.Announce.IsPublic)))
                inboxes += await DeliveryQueue.ExpandAsync(db, [.. group.Select(s => s.Announce.Id).Order()], group.Key.Id, group.Key.IsPublic, now, ct);
            await tx.CommitAsync(ct);
        }
        if (inboxes > 0) deliveries.Signal.Notify();
    }

    /// <summary>
    /// <see cref="RefusedAsync(LocalActor, RemoteActor, string, CancellationToken)"/> decided once per group and author
    /// in a batch (its replies share one snapshot of the rules), with the batch's <paramref name="bans"/> looked up together.
    /// </summary>
    private async Task<bool> RefusedAsync(LocalActor group, RemoteActor author, string id, Dictionary<(long, string), bool> known,
        HashSet<(long GroupId, string ActorUri)> bans, CancellationToken ct)
    {
        if (known.TryGetValue((group.Id, author.Uri), out var refused))
        {
            if (refused) logger.LogInformation("Refused {Id}: {Author} may not reply in {Group} (as for their reply before it)", id, author.Uri, group.Name);
            return refused;
        }
        return known[(group.Id, author.Uri)] = await RefusedAsync(group, author, id, bans.Contains((group.Id, author.Uri)), ct);
    }

    private async Task<bool> RefusedAsync(LocalActor group, RemoteActor author, string id, CancellationToken ct) =>
        await RefusedAsync(group, author, id, await ModerationService.IsBannedAsync(db, group.Id, author.Uri, ct), ct);

    /// <summary>Refused by the group's rules: the author is banned, or the group's posting policy leaves them out.</summary>
    private async Task<bool> RefusedAsync(LocalActor group, RemoteActor author, string id, bool banned, CancellationToken ct)
    {
        if (banned)
        {
            logger.LogInformation("Refused {Id}: {Author} is banned from {Group}", id, author.Uri, group.Name);
            return true;
        }
        if (!await MayPostAsync(group, author.Uri, ct))
        {
            logger.LogInformation("Refused {Id}: {Group} takes replies from {Policy} only", id, group.Name, group.PostingPolicyAt(time.GetUtcNow()));
            return true;
        }
        return false;
    }

    /// <summary>
    /// A vote in a check-in is a Note with a name and no content (Mastodon); votes are not discussion. An Article or a
    /// Page with a title and no body is not a vote: it is a reply.
    /// </summary>
    private static bool IsVote(GroupItem? top, JObject obj, out string choice)
    {
        var name = ActivityJson.GetString(obj, "name");
        choice = name ?? "";
        return top is { Kind: ItemKind.Prompt, ChoicesJson: not null } && name is not null && ActivityJson.HasType(obj, "Note")
            && string.IsNullOrEmpty(ActivityJson.GetString(obj, "content"));
    }

    /// <summary>The group's Announce to its followers (FEP-1b12): of the author's activity, or of the object id when there is none.</summary>
    private OutboundActivity Relay(LocalActor group, string authorUri, JObject? activity, string objectId)
    {
        var announce = Announce(group, authorUri, activity, objectId);
        // An edit near the body limit would not fit once announced (FitsOneBody): announced by its id, which its
        // author's server serves, as Lemmy relays activities it does not embed.
        if (activity is not null && !FitsOneBody(0, ActivityJson.Serialize(announce)))
            announce = Announce(group, authorUri, null, ActivityJson.GetId(activity) ?? objectId);
        return queue.Broadcast(db, group, announce);
    }

    private JObject Announce(LocalActor group, string authorUri, JObject? activity, string objectId) =>
        outbound.Announce(group, authorUri, activity is null ? objectId : activity.DeepClone(), time.GetUtcNow().UtcDateTime);

    /// <summary>The group's posting policy (federation.md item 15): open, its approved followers and facilitators, or facilitators only.</summary>
    private async Task<bool> MayPostAsync(LocalActor group, string authorUri, CancellationToken ct)
    {
        var policy = group.PostingPolicyAt(time.GetUtcNow());
        if (policy == PostingPolicy.Open) return true;
        if (await db.IsFacilitatorAsync(urls, group.Id, authorUri, ct)) return true;
        return policy == PostingPolicy.Participants
            && await db.Followers.AnyAsync(f => f.LocalActorId == group.Id && f.ActorUri == authorUri && f.State == FollowState.Accepted, ct);
    }

    /// <summary>
    /// A vote (federation.md item 12): counted once per voter and choice (once per voter in a single-choice check-in),
    /// refused after the closing time. The group sends the Question again with its new totals
    /// <c>Delivery:VoteTotalsDelay</c> later (<see cref="PublishingService.SendDueTotalsAsync"/>), once for every vote
    /// that came meanwhile.
    /// </summary>
    private async Task VoteAsync(LocalActor group, GroupItem question, RemoteActor voter, string objectUri, string choice, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (question.ClosesAt is { } closes && closes <= now) { logger.LogInformation("Vote {Id} after the check-in closed", objectUri); return; }
        if (!StoredJson.ReadStrings(question.ChoicesJson).Contains(choice)) return;
        var previous = db.Votes.Where(v => v.PromptId == question.Id && v.VoterUri == voter.Uri);
        if (await previous.AnyAsync(v => v.Choice == choice, ct) || (!question.MultipleChoice && await previous.AnyAsync(ct))) return;
        db.Votes.Add(new Vote { PromptId = question.Id, VoterUri = voter.Uri, Choice = choice, ObjectUri = objectUri, CreatedAt = now });
        await db.SaveChangesAsync(ct);
        var due = now + options.Value.Delivery.VoteTotalsDelay;
        await db.GroupItems.Where(i => i.Id == question.Id && i.TotalsDueAt == null) // a vote already waiting: this one joins it
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.TotalsDueAt, due), ct);
    }

    /// <summary>
    /// An edit by the author: the stored copy follows it; the relay of the edit is stored whole. The group's rules for a
    /// Create come first (<see cref="RefusedAsync(LocalActor, RemoteActor, string, CancellationToken)"/>): an author
    /// banned since, or one its posting policy no longer allows, changes nothing and gets nothing relayed (true: the
    /// reply is ours, the edit dealt with), else a banned troll could rewrite an accepted reply and have the group
    /// re-broadcast it. A reply deleted or removed by a moderator is not found: not revived.
    /// </summary>
    public async Task<bool> UpdateAsync(RemoteActor author, JObject obj, JObject? activity, CancellationToken ct)
    {
        var id = ActivityJson.GetId(obj);
        var reply = await db.Replies.FirstOrDefaultAsync(r => r.Uri == id && r.AuthorUri == author.Uri && r.DeletedAt == null, ct);
        if (reply is null) return false;
        var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == reply.GroupId, ct);
        if (await RefusedAsync(group, author, id!, ct)) return true;
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

    /// <summary>
    /// The thread an object belongs to: a group object it answers, a reply in a thread, or a group it mentions. None for
    /// an answer to something gone (<see cref="FindByParentAsync"/>), even one that mentions a group.
    /// </summary>
    private async Task<(LocalActor? Group, GroupItem? Top)> FindThreadAsync(string? inReplyTo, JObject obj, int fetchBudget, CancellationToken ct)
    {
        var found = await FindKnownThreadAsync(inReplyTo, obj, ct);
        if (found.Gone) logger.LogInformation("Dropped {Id}: it answers {Parent}, deleted, removed or in a deleted item's thread", ActivityJson.GetId(obj), inReplyTo);
        if (found.Group is not null || found.Gone || inReplyTo is null || fetchBudget <= 0 || urls.IsLocal(inReplyTo)) return (found.Group, found.Top);
        // An answer to something we have not seen (it may still be on its way, or was sent to others only): fetch the
        // parent from its origin and take it into the thread first if it belongs there, up to MaxParentFetches levels.
        if (!await FetchParentAsync(inReplyTo, fetchBudget - 1, ct)) return (null, null);
        found = await FindKnownThreadAsync(inReplyTo, obj, ct);
        return (found.Group, found.Top);
    }

    private async Task<bool> FetchParentAsync(string uri, int fetchBudget, CancellationToken ct)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parentUri)) return false;
        try
        {
            var parent = await resolver.FetchObjectAsync(parentUri, ct);
            if (IriLength.FindTooLong(parent) is { } field)
            {
                logger.LogInformation("Parent {Uri} not taken into the thread: its {Field} is longer than {Max} bytes", uri, field, IriLength.MaxBytes);
                return false;
            }
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

    private async Task<(LocalActor? Group, GroupItem? Top, bool Gone)> FindKnownThreadAsync(string? inReplyTo, JObject obj, CancellationToken ct)
    {
        var found = inReplyTo is null ? (null, null, false) : await FindByParentAsync(inReplyTo, ct);
        return found.Group is null && !found.Gone ? (await FindByMentionAsync(obj, ct), null, false) : found;
    }

    /// <summary>
    /// The thread of a group object or of a stored reply. <c>Gone</c> when the parent is a deleted group object, a reply
    /// deleted by its author or removed by a facilitator, or a reply in the thread of a deleted group object: the answer
    /// has no thread to join, and a Mention of the group does not make it a thread of its own (that would bring what was
    /// deleted back into the group's relay).
    /// </summary>
    private async Task<(LocalActor? Group, GroupItem? Top, bool Gone)> FindByParentAsync(string inReplyTo, CancellationToken ct)
    {
        if (urls.ParseItem(inReplyTo) is { } target)
        {
            if (await HotQueries.GroupByNameAsync(db, target.Group) is not { } group) return (null, null, false);
            if (await HotQueries.PublishedItemAsync(db, target.Id, group.Id, target.Kind) is { } item) return (group, item, false);
            var deleted = await db.GroupItems.AnyAsync(i => i.Id == target.Id && i.GroupId == group.Id && i.Kind == target.Kind && i.DeletedAt != null, ct);
            return (null, null, deleted);
        }
        if (await db.Replies.AsNoTracking().FirstOrDefaultAsync(r => r.Uri == inReplyTo, ct) is not { } parent) return (null, null, false);
        if (parent.DeletedAt is not null) return (null, null, true);
        var top = parent.TopItemId is { } topId ? await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == topId, ct) : null;
        if (top?.DeletedAt is not null) return (null, null, true);
        return (await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == parent.GroupId, ct), top, false);
    }

    /// <summary>A group of ours that the object mentions. `tag` may be one object rather than an array (Fedify sends a lone Mention that way).</summary>
    private async Task<LocalActor?> FindByMentionAsync(JObject obj, CancellationToken ct)
    {
        var tags = obj["tag"] switch { JArray many => many.OfType<JObject>(), JObject one => [one], _ => [] };
        foreach (var tag in tags)
        {
            if (ActivityJson.GetString(tag, "type") != "Mention") continue;
            if (urls.Parse(ActivityJson.GetString(tag, "href")) is { Kind: ActorKind.Group } g
                && await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == g.Name, ct) is { } mentioned)
                return mentioned;
        }
        return null;
    }

    private static DateTime? Published(JObject obj) =>
        DateTimeOffset.TryParse(ActivityJson.GetString(obj, "published"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var published) && published <= DateTimeOffset.UtcNow.AddMinutes(5)
            ? published.UtcDateTime
            : null;
}
