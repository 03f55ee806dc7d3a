using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Queues;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

/// <summary>
/// Prompts, posts, materials and sessions: validate, store, and publish. Publishing writes the object, its Create and
/// one fan-out job in one transaction (the outbox pattern); edits send Update, deletions Delete{Tombstone}. A material
/// pinned when it is published, or pinned or unpinned by an edit, is also sent as <c>Add</c> / <c>Remove</c> to the
/// group's <c>featured</c> collection, which Mastodon applies to the pins of the group's profile.
/// </summary>
public sealed class PublishingService(
    FediLearnDbContext db, ActorUrls urls, GroupObjectRenderer renderer, DeliveryQueue queue, FanoutSignal signal, TimeProvider time,
    ILogger<PublishingService> logger)
{
    private readonly MarkdownRenderer _markdown = new(urls.Base);

    public async Task<GroupItem> CreateAsync(LocalActor group, LocalActor author, ItemKind kind, ItemInput input, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var validator = new ItemValidator();
        validator.Validate(kind, input, now, publishedAt: null);
        var session = await FindSessionAsync(group, input.SessionId, validator, ct);
        var media = await FindMediaAsync(input.MediaIds, validator, ct);
        validator.ThrowIfAny();

        var item = new GroupItem { GroupId = group.Id, Kind = kind, AuthorId = author.Id, CreatedAt = now.UtcDateTime };
        Apply(item, input, media, session);
        item.PublishAt = input.PublishAt is { } at && at > now ? at.UtcDateTime : null;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.GroupItems.Add(item);
        await db.SaveChangesAsync(ct);
        if (item.PublishAt is null)
        {
            item.PublishedAt = now.UtcDateTime;
            await SendCreateAsync(item, group, ct);
        }
        await tx.CommitAsync(ct);
        signal.Signal.Notify();
        return item;
    }

    /// <summary>
    /// What <see cref="CreateAsync"/> (or, for a stored item, <see cref="UpdateAsync"/>) would refuse in the input, by API
    /// field name, without saving anything: the same checks, the session and the uploaded files looked up too. The
    /// workspace's preview shows them, so a form that previews cleanly publishes.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string[]>> CheckAsync(LocalActor group, ItemKind kind, ItemInput input, GroupItem? stored, CancellationToken ct)
    {
        var validator = new ItemValidator();
        validator.Validate(kind, input, time.GetUtcNow(), PublishedAt(stored));
        await FindSessionAsync(group, input.SessionId, validator, ct);
        await FindMediaAsync(input.MediaIds, validator, ct);
        return validator.Errors;
    }

    private static DateTimeOffset? PublishedAt(GroupItem? item) =>
        item?.PublishedAt is { } published ? new DateTimeOffset(DateTime.SpecifyKind(published, DateTimeKind.Utc)) : null;

    public async Task<GroupItem> UpdateAsync(LocalActor group, GroupItem item, ItemInput input, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var validator = new ItemValidator();
        validator.Validate(item.Kind, input, now, PublishedAt(item));
        var session = await FindSessionAsync(group, input.SessionId, validator, ct);
        var media = await FindMediaAsync(input.MediaIds, validator, ct);
        validator.ThrowIfAny();

        var wasPinned = item.Pinned;
        Apply(item, input, media, session);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (item.PublishedAt is null)
        {
            item.PublishAt = input.PublishAt is { } at && at > now ? at.UtcDateTime : null;
            await db.SaveChangesAsync(ct);
            if (item.PublishAt is null)
            {
                item.PublishedAt = now.UtcDateTime;
                await SendCreateAsync(item, group, ct);
            }
        }
        else
        {
            item.EditedAt = now.UtcDateTime;
            item.Revision++;
            await SendAsync(item, group, "Update", ct);
            if (item.Pinned != wasPinned) await SendPinAsync(item, group, ct);
        }
        await tx.CommitAsync(ct);
        signal.Signal.Notify();
        return item;
    }

    /// <summary>
    /// Deletes <paramref name="item"/>: an unpublished one simply goes; a published one becomes a Tombstone (410) and its
    /// followers get Delete. False when another request deleted it since it was read: a published item is
    /// claimed by a conditional update, as scheduled publishing claims items, so two deletes at once send one Delete.
    /// </summary>
    public async Task<bool> DeleteAsync(LocalActor group, GroupItem item, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (item.PublishedAt is null)
        {
            db.GroupItems.Remove(item);
            await db.SaveChangesAsync(ct);
        }
        else
        {
            var now = time.GetUtcNow().UtcDateTime;
            var claimed = await db.GroupItems.Where(i => i.Id == item.Id && i.DeletedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.DeletedAt, now).SetProperty(i => i.Pinned, false), ct);
            if (claimed == 0) return false; // deleted by another request: its Delete is the one sent
            item.DeletedAt = now;
            item.Pinned = false;
            await SendAsync(item, group, "Delete", ct);
        }
        await tx.CommitAsync(ct);
        signal.Signal.Notify();
        return true;
    }

    /// <summary>
    /// Publishes scheduled items whose time has come. Each is claimed by a conditional update, so it goes out once. One
    /// that cannot be published (e.g. stored before its dates were checked, and now failing to render) is logged and left
    /// unpublished, its claim rolled back, to be tried again next pass: it does not hold back the items after it, however
    /// many such items come first (the due items are read 100 at a time, in order, until none is left).
    /// </summary>
    public async Task<int> PublishDueAsync(CancellationToken ct)
    {
        const int page = 100;
        var now = time.GetUtcNow().UtcDateTime;
        var published = 0;
        (DateTime At, long Id)? after = null;
        while (true)
        {
            var query = db.GroupItems.AsNoTracking()
                .Where(i => i.PublishedAt == null && i.DeletedAt == null && i.PublishAt != null && i.PublishAt <= now);
            if (after is var (at, lastId))
                query = query.Where(i => i.PublishAt > at || (i.PublishAt == at && i.Id > lastId));
            var due = await query.OrderBy(i => i.PublishAt).ThenBy(i => i.Id)
                .Select(i => new { i.Id, PublishAt = i.PublishAt!.Value }).Take(page).ToListAsync(ct);
            foreach (var item in due)
            {
                try
                {
                    if (await PublishScheduledAsync(item.Id, now, ct)) published++;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // The transaction was rolled back; what the failed attempt left tracked must not be saved with the next item.
                    db.ChangeTracker.Clear();
                    logger.LogWarning(e, "Scheduled item {Item} could not be published; it stays scheduled and is tried again next pass", item.Id);
                }
            }
            if (due.Count < page) break;
            after = (due[^1].PublishAt, due[^1].Id);
        }
        if (published > 0) signal.Signal.Notify();
        return published;
    }

    private async Task<bool> PublishScheduledAsync(long id, DateTime now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.GroupItems.Where(i => i.Id == id && i.PublishedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.PublishedAt, now), ct);
        if (claimed == 0) return false;
        var item = await db.GroupItems.FirstAsync(i => i.Id == id, ct);
        var group = await db.LocalActors.FirstAsync(a => a.Id == item.GroupId, ct);
        await SendCreateAsync(item, group, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Inboxes of voters who do not follow the group sent a check-in's new totals, at most.</summary>
    internal const int MaxVoterInboxes = 5000;

    /// <summary>
    /// Sends the new totals of check-ins whose votes have waited <c>Delivery:VoteTotalsDelay</c>: one Update{Question}
    /// (not marked edited) for all the votes since the last. Run by every process's scheduler; a conditional update on
    /// the due time lets one of them send it, and a vote arriving meanwhile starts a new wait.
    /// </summary>
    public async Task<int> SendDueTotalsAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.GroupItems.AsNoTracking().Where(i => i.TotalsDueAt != null && i.TotalsDueAt <= now)
            .OrderBy(i => i.Id).Select(i => new { i.Id, i.TotalsDueAt }).Take(100).ToListAsync(ct);
        var sent = 0;
        foreach (var d in due)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var claimed = await db.GroupItems.Where(i => i.Id == d.Id && i.TotalsDueAt == d.TotalsDueAt)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.TotalsDueAt, (DateTime?)null), ct);
            if (claimed == 0) continue;
            var item = await db.GroupItems.FirstAsync(i => i.Id == d.Id, ct);
            if (item.PublishedAt is not null && item.DeletedAt is null) // a deleted check-in's Delete went out already
            {
                var group = await db.LocalActors.FirstAsync(a => a.Id == item.GroupId, ct);
                var update = await SendAsync(item, group, "Update", ct);
                if (!group.MembersOnly) // a members-only group's voters are its participants, who follow it
                {
                    // Voters who do not follow the group see their vote's totals too, as Mastodon sends its polls' updates
                    // to every remote voter; an inbox the followers' fan-out reaches already is not sent a second copy.
                    var followed = db.Followers.Where(f => f.LocalActorId == group.Id && f.State == FollowState.Accepted).Select(f => f.DeliveryInbox);
                    var voters = await db.Votes.AsNoTracking().Where(v => v.PromptId == item.Id)
                        .Join(db.RemoteActors, v => v.VoterUri, a => a.Uri, (v, a) => a.SharedInbox ?? a.Inbox)
                        .Where(inbox => !followed.Contains(inbox)).Distinct().OrderBy(inbox => inbox).Take(MaxVoterInboxes).ToListAsync(ct);
                    queue.Enqueue(db, update, voters);
                    await db.SaveChangesAsync(ct);
                }
                sent++;
            }
            await tx.CommitAsync(ct);
        }
        if (sent > 0) signal.Signal.Notify();
        return sent;
    }

    /// <summary>The renderer's view of an item: its group, files and session.</summary>
    public async Task<ObjectContext> ContextAsync(LocalActor group, GroupItem item, CancellationToken ct)
    {
        var keys = StoredJson.ReadStrings(item.MediaIdsJson);
        var media = keys.Count == 0 ? [] : await db.MediaFiles.AsNoTracking().Where(m => keys.Contains(m.Key)).ToListAsync(ct);
        var session = item.SessionId is { } sid ? await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sid, ct) : null;
        var participants = item.Kind == ItemKind.Session ? await db.Rsvps.CountAsync(r => r.SessionId == item.Id && r.Status == RsvpStatus.Yes, ct) : 0;
        Dictionary<string, int>? votes = null;
        var voters = 0;
        if (item.ChoicesJson is not null)
        {
            votes = await db.Votes.AsNoTracking().Where(v => v.PromptId == item.Id).GroupBy(v => v.Choice)
                .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            voters = await db.Votes.AsNoTracking().Where(v => v.PromptId == item.Id).Select(v => v.VoterUri).Distinct().CountAsync(ct);
        }
        return new ObjectContext(group, keys.Select(k => media.FirstOrDefault(m => m.Key == k)).OfType<MediaFile>().ToList(), session, participants, votes, voters);
    }

    private async Task<OutboundActivity> SendAsync(GroupItem item, LocalActor group, string type, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        var obj = renderer.Render(item, await ContextAsync(group, item, ct));
        var activity = new JObject
        {
            ["@context"] = obj["@context"]?.DeepClone() ?? JsonLdContexts.Activity(),
            ["type"] = type,
            ["actor"] = urls.Actor(group),
            ["published"] = GroupObjectRenderer.Time(time.GetUtcNow()),
            ["to"] = new JArray(GroupObjectRenderer.Vocabulary.Public),
            ["cc"] = new JArray(urls.Followers(group)),
        };
        obj.Remove("@context");
        activity["object"] = obj;
        var stored = queue.Broadcast(db, group, activity);
        await db.SaveChangesAsync(ct);
        return stored;
    }

    /// <summary>What publishing an item sends, at once or at its scheduled time: its Create, and a pinned material's Add.</summary>
    private async Task SendCreateAsync(GroupItem item, LocalActor group, CancellationToken ct)
    {
        await SendAsync(item, group, "Create", ct);
        if (item.Pinned) await SendPinAsync(item, group, ct);
    }

    /// <summary>
    /// <c>Add</c> (pinned) or <c>Remove</c> (unpinned) of a published material to the group's <c>featured</c> collection,
    /// for its followers: the object by id and the collection by URL, as Mastodon sends and accepts its own pins (it
    /// pins a post of the sending account whose id it knows or can fetch). A deletion sends none: the receivers drop
    /// a deleted post's pin with it.
    /// </summary>
    private async Task SendPinAsync(GroupItem item, LocalActor group, CancellationToken ct)
    {
        var activity = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["type"] = item.Pinned ? "Add" : "Remove",
            ["actor"] = urls.Actor(group),
            ["object"] = urls.Item(group.Name, item.Kind, item.Id),
            ["target"] = urls.Featured(group),
            ["published"] = GroupObjectRenderer.Time(time.GetUtcNow()),
            ["to"] = new JArray(GroupObjectRenderer.Vocabulary.Public),
            ["cc"] = new JArray(urls.Followers(group)),
        };
        queue.Broadcast(db, group, activity);
        await db.SaveChangesAsync(ct);
    }

    private void Apply(GroupItem item, ItemInput input, IReadOnlyList<MediaFile> media, GroupItem? session)
    {
        item.Title = string.IsNullOrWhiteSpace(input.Title) ? null : input.Title.Trim();
        item.Content = input.Content ?? "";
        var rendered = _markdown.Render(item.Content, ResolveMention);
        item.ContentHtml = rendered.Html;
        item.TagsJson = StoredJson.Tags(rendered.Tags);
        switch (item.Kind)
        {
            case ItemKind.Prompt:
                item.ChoicesJson = input.Choices is { } choices ? StoredJson.Strings(choices.Select(c => c.Trim())) : null;
                item.MultipleChoice = input.Multiple ?? false;
                item.ClosesAt = input.ClosesAt?.UtcDateTime;
                item.SessionId = session?.Id;
                break;
            case ItemKind.Material:
                item.LinksJson = input.Links is { Count: > 0 } links ? StoredJson.Links(links) : null;
                item.MediaIdsJson = media.Count > 0 ? StoredJson.Strings(media.Select(m => m.Key)) : null;
                item.Pinned = input.Pinned ?? false;
                break;
            case ItemKind.Session:
                item.StartsAtLocal = DateTime.SpecifyKind(input.StartsAt!.Value, DateTimeKind.Unspecified);
                item.EndsAtLocal = DateTime.SpecifyKind(input.EndsAt!.Value, DateTimeKind.Unspecified);
                item.TimeZone = input.Timezone;
                item.JoinUrl = input.JoinUrl;
                item.Place = string.IsNullOrWhiteSpace(input.Place) ? null : input.Place.Trim();
                item.Capacity = input.Capacity;
                item.RequireApproval = input.RequireApproval ?? false;
                item.Cancelled = input.Cancelled ?? false;
                item.Notes = input.Notes;
                item.NotesHtml = input.Notes is null ? null : _markdown.Render(input.Notes).Html;
                item.RecordingUrl = input.RecordingUrl;
                break;
        }
    }

    /// <summary>
    /// @user@host becomes a Mention when we know the actor: one of ours, or one already in the actor cache. Unknown
    /// handles stay text (no fetch while a facilitator waits; the cache fills as people follow and reply).
    /// </summary>
    private string? ResolveMention(string user, string host)
    {
        var name = user.ToLowerInvariant();
        if (string.Equals(host, urls.Authority, StringComparison.OrdinalIgnoreCase))
        {
            var local = db.LocalActors.AsNoTracking().Where(a => a.Name == name && a.Kind != ActorKind.Application)
                .Select(a => new { a.Kind, a.Name }).FirstOrDefault();
            return local is null ? null : urls.Actor(local.Kind, local.Name);
        }
        var lowerHost = host.ToLowerInvariant();
        return db.RemoteActors.AsNoTracking().Where(a => a.Host == lowerHost && a.Username == user).Select(a => a.Uri).FirstOrDefault();
    }

    private async Task<GroupItem?> FindSessionAsync(LocalActor group, long? sessionId, ItemValidator validator, CancellationToken ct)
    {
        if (sessionId is not { } id) return null;
        var session = await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(s => s.Id == id && s.GroupId == group.Id && s.Kind == ItemKind.Session && s.DeletedAt == null, ct);
        if (session is null) validator.Add("sessionId", $"This group has no session {id}.");
        return session;
    }

    private async Task<IReadOnlyList<MediaFile>> FindMediaAsync(IReadOnlyList<string>? keys, ItemValidator validator, CancellationToken ct)
    {
        if (keys is null || keys.Count == 0) return [];
        if (keys.Any(string.IsNullOrWhiteSpace))
        {
            validator.Add("mediaIds", "Each entry is the id of an upload (the \"id\" that POST /api/media answered), not empty or null.");
            return [];
        }
        var found = await db.MediaFiles.AsNoTracking().Where(m => keys.Contains(m.Key)).ToListAsync(ct);
        foreach (var missing in keys.Where(k => found.All(m => m.Key != k)))
            validator.Add("mediaIds", $"No uploaded file {missing} (upload it with POST /api/media first).");
        return keys.Select(k => found.FirstOrDefault(m => m.Key == k)).OfType<MediaFile>().ToList();
    }
}
