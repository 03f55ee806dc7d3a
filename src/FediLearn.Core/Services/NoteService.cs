using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

/// <summary>What a member writes: Markdown, the object it answers, and (optionally) the group whose thread it joins.</summary>
public sealed record NoteInput(string? Content, string? InReplyTo, string? Group);

/// <summary>
/// Members take part in groups' discussions from their own node (reference/federation.md §9, "member posts / replies"):
/// a note by the member's Person actor, public, addressed to the thread's group (cc and a Mention, so that Mastodon-style
/// and FEP-1b12 groups both take it) and to the author of what it answers, delivered to them and to the member's
/// followers. The group relays it to its followers. A group on this node takes it in-process.
/// </summary>
public sealed class NoteService(
    FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, FanoutSignal signal, RemoteActorResolver resolver,
    ThreadService threads, TimeProvider time)
{
    public const int MaxContent = 10_000;
    private readonly MarkdownRenderer _markdown = new(urls.Base);

    public async Task<LocalNote> CreateAsync(LocalActor author, NoteInput input, CancellationToken ct)
    {
        // Uri.TryCreate accepts " https://…" by trimming it, but the thread lookups compare ids exactly: a padded id
        // missed our own item (we fetched our own URL) or was stored padded. Trim once, before anything reads it.
        input = input with { InReplyTo = input.InReplyTo?.Trim(), Group = input.Group?.Trim() };
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.Content)) errors["content"] = ["Write something."];
        else if (input.Content.Length > MaxContent) errors["content"] = [$"At most {MaxContent} characters."];
        if (input.InReplyTo is not null && !IsHttpUrl(input.InReplyTo)) errors["inReplyTo"] = ["The id (http or https URL) of the object this answers."];
        if (input.InReplyTo is null && string.IsNullOrWhiteSpace(input.Group)) errors["inReplyTo"] = ["Give inReplyTo (what this answers) or group (whose thread it starts)."];
        if (errors.Count > 0) throw new ItemValidationException(errors);

        var (groupUri, parentAuthor) = await LocateAsync(input.InReplyTo, ct);
        if (!string.IsNullOrWhiteSpace(input.Group)) groupUri = await ResolveGroupAsync(input.Group.Trim(), ct);
        if (groupUri is null) throw new ItemValidationException(new Dictionary<string, string[]> { ["group"] = ["This does not answer anything in a group's thread: give the group."] });
        if (MembersOnlyGroup(groupUri) is { } closed
            && !await db.IsFacilitatorAsync(closed.Id, author.Id, ct))
            throw new ItemValidationException(new Dictionary<string, string[]>
            {
                ["group"] = [$"{closed.Name} is members-only: from this node, only its facilitators answer in its threads."],
            });

        var authorUri = urls.Actor(author);
        var cc = new List<string> { groupUri };
        if (parentAuthor is not null && parentAuthor != authorUri && parentAuthor != groupUri) cc.Add(parentAuthor);
        var inboxes = new List<string>();
        foreach (var recipient in cc.Where(r => !urls.IsLocal(r)))
        {
            try
            {
                var actor = await resolver.GetActorAsync(recipient, refresh: false, ct);
                inboxes.Add(actor.SharedInbox ?? actor.Inbox);
            }
            catch (FetchException e)
            {
                throw new FediLearnException($"{recipient} could not be reached: {e.Message}");
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var note = new LocalNote
        {
            AuthorId = author.Id,
            Source = input.Content!.Trim(),
            InReplyTo = input.InReplyTo,
            GroupUri = groupUri,
            CcJson = StoredJson.Strings(cc),
            InboxesJson = StoredJson.Strings(inboxes.Distinct()),
            PublishedAt = now,
        };
        note.ContentHtml = _markdown.Render(note.Source).Html;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.LocalNotes.Add(note);
        await db.SaveChangesAsync(ct);
        var obj = Render(note, author);
        var create = Wrap("Create", author, obj);
        var stored = Send(author, note, create);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        signal.Signal.Notify();

        if (urls.IsLocal(groupUri)) await threads.ReceiveAsync(LocalView(author), obj, ActivityJson.Parse(stored.Json), ct);
        return note;
    }

    public async Task DeleteAsync(LocalActor author, long id, CancellationToken ct)
    {
        var note = await db.LocalNotes.FirstOrDefaultAsync(n => n.Id == id && n.AuthorId == author.Id && n.DeletedAt == null, ct)
            ?? throw new FediLearnException($"you have no note {id}");
        // Claimed by a conditional update: two deletes at once send one Delete (the other is told there is no such note).
        var now = time.GetUtcNow().UtcDateTime;
        var noteId = urls.Note(author.Name, note.Id);
        OutboundActivity stored;
        // Released (the write gate with it) before the thread's own writes below.
        await using (var tx = await SqliteWriteGate.BeginAsync(db, ct))
        {
            if (await db.LocalNotes.Where(n => n.Id == note.Id && n.DeletedAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.DeletedAt, now), ct) == 0)
                throw new FediLearnException($"you have no note {id}");
            note.DeletedAt = now;
            var tombstone = new JObject { ["id"] = noteId, ["type"] = "Tombstone" };
            if (MembersOnlyGroup(note.GroupUri) is not null)
            {
                // Addressed as the note was (the group and the parent's author), not Public and followers.
                var rendered = Render(note, author);
                tombstone["to"] = rendered["to"]!.DeepClone();
                tombstone["cc"] = rendered["cc"]!.DeepClone();
            }
            stored = Send(author, note, Wrap("Delete", author, tombstone));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        signal.Signal.Notify();
        if (note.GroupUri is { } group && urls.IsLocal(group)) await threads.DeleteAsync(LocalView(author), noteId, ActivityJson.Parse(stored.Json), ct);
    }

    public Task<LocalNote?> FindAsync(string authorName, long id, CancellationToken ct) =>
        db.LocalNotes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id && db.LocalActors.Any(a => a.Id == n.AuthorId && a.Kind == ActorKind.Person && a.Name == authorName), ct);

    /// <summary>
    /// A local members-only group whose thread <paramref name="groupUri"/> names: a note there is for its participants,
    /// addressed to the group (which relays it to them) and the parent's author, never Public nor the member's followers.
    /// </summary>
    public LocalActor? MembersOnlyGroup(string? groupUri)
    {
        if (groupUri is null || urls.Parse(groupUri) is not { Kind: ActorKind.Group } g) return null;
        // Asked up to three times per note (checks, rendering, sending); this service lives for one request.
        if (!_membersOnlyGroups.TryGetValue(groupUri, out var group))
            _membersOnlyGroups[groupUri] = group = db.LocalActors.AsNoTracking().FirstOrDefault(a => a.Kind == ActorKind.Group && a.Name == g.Name && a.MembersOnly);
        return group;
    }

    private readonly Dictionary<string, LocalActor?> _membersOnlyGroups = new(StringComparer.Ordinal);

    /// <summary>The note as ActivityPub JSON (with @context), as served at its id.</summary>
    public JObject Render(LocalNote note, LocalActor author)
    {
        var id = urls.Note(author.Name, note.Id);
        var authorUri = urls.Actor(author);
        var addressed = StoredJson.ReadStrings(note.CcJson);
        var membersOnly = MembersOnlyGroup(note.GroupUri) is not null;
        var cc = new JArray(membersOnly ? addressed.Skip(1) : addressed.Prepend(urls.Followers(author)));
        var tags = new JArray(addressed.Select(r => new JObject { ["type"] = "Mention", ["href"] = r, ["name"] = MentionName(r) }));
        var obj = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["id"] = id,
            ["type"] = "Note",
            ["attributedTo"] = authorUri,
            ["content"] = note.ContentHtml,
            ["source"] = new JObject { ["content"] = note.Source, ["mediaType"] = "text/markdown" },
            ["inReplyTo"] = note.InReplyTo,
            ["published"] = Iso(note.PublishedAt),
            ["url"] = id,
            ["to"] = membersOnly ? new JArray(addressed.First()) : new JArray(AsConstants.PublicCollection),
            ["cc"] = cc,
            ["tag"] = tags,
        };
        if (note.GroupUri is not null) obj["audience"] = note.GroupUri;
        if (note.UpdatedAt is { } updated) obj["updated"] = Iso(updated);
        if (note.InReplyTo is null) obj.Remove("inReplyTo");
        return obj;
    }

    private JObject Wrap(string type, LocalActor author, JObject obj)
    {
        var inner = (JObject)obj.DeepClone();
        inner.Remove("@context");
        return new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["type"] = type,
            ["actor"] = urls.Actor(author),
            ["published"] = Iso(time.GetUtcNow().UtcDateTime),
            ["to"] = obj["to"]?.DeepClone() ?? new JArray(AsConstants.PublicCollection),
            ["cc"] = obj["cc"]?.DeepClone() ?? new JArray(urls.Followers(author)),
            ["object"] = inner,
        };
    }

    /// <summary>
    /// To the member's followers (one fan-out job) and to the group's and parent author's inboxes; in a members-only
    /// group's thread to the latter only.
    /// </summary>
    private OutboundActivity Send(LocalActor author, LocalNote note, JObject activity)
    {
        var stored = MembersOnlyGroup(note.GroupUri) is not null
            ? queue.CreateActivity(db, author, activity, isPublic: false)
            : queue.Broadcast(db, author, activity);
        queue.Enqueue(db, stored, StoredJson.ReadStrings(note.InboxesJson));
        return stored;
    }

    /// <summary>The group whose thread the parent is in, and the parent's author.</summary>
    private async Task<(string? Group, string? ParentAuthor)> LocateAsync(string? inReplyTo, CancellationToken ct)
    {
        if (inReplyTo is null) return (null, null);
        // Ours: answered only when it is there, as a fetch of it would find it (a note answering no item, or a deleted one,
        // was created and sent, in no thread: a group of that name and such an item need not exist).
        if (urls.ParseItem(inReplyTo) is { } item)
        {
            var (groupName, kind, id) = item;
            if (!await db.GroupItems.AnyAsync(i => i.Id == id && i.Kind == kind && i.PublishedAt != null && i.DeletedAt == null
                    && db.LocalActors.Any(a => a.Id == i.GroupId && a.Kind == ActorKind.Group && a.Name == groupName), ct))
                throw new FediLearnException($"{inReplyTo} could not be fetched: there is no such object on this node");
            return (urls.Actor(ActorKind.Group, groupName), urls.Actor(ActorKind.Group, groupName));
        }
        if (urls.ParseNote(inReplyTo) is { } own)
        {
            var parent = await FindAsync(own.Author, own.Id, ct);
            if (parent is null || parent.DeletedAt is not null)
                throw new FediLearnException($"{inReplyTo} could not be fetched: there is no such note on this node");
            return (parent.GroupUri, urls.Actor(ActorKind.Person, own.Author));
        }
        if (await db.Replies.AsNoTracking().FirstOrDefaultAsync(r => r.Uri == inReplyTo, ct) is { } reply)
            return (await db.LocalActors.AsNoTracking().Where(a => a.Id == reply.GroupId).Select(a => urls.Actor(a)).FirstAsync(ct), reply.AuthorUri);
        if (await db.RemoteObjects.AsNoTracking().FirstOrDefaultAsync(o => o.Uri == inReplyTo, ct) is { } known)
        {
            var json = ActivityJson.Parse(known.Json);
            var parentAuthor = ActivityJson.GetIds(json["attributedTo"]).FirstOrDefault();
            // Received from a group our member follows: its Create (the group's own object) or its Announce (a reply).
            var group = await db.RemoteActors.AsNoTracking().AnyAsync(a => a.Uri == known.AttributedTo && a.Type == "Group", ct)
                ? known.AttributedTo
                : ActivityJson.GetIds(json["audience"]).FirstOrDefault();
            return (group, parentAuthor);
        }
        try
        {
            var fetched = await resolver.FetchObjectAsync(new Uri(inReplyTo), ct);
            return (ActivityJson.GetIds(fetched["audience"]).FirstOrDefault(), ActivityJson.GetIds(fetched["attributedTo"]).FirstOrDefault());
        }
        catch (FetchException e)
        {
            throw new FediLearnException($"{inReplyTo} could not be fetched: {e.Message}");
        }
    }

    private async Task<string> ResolveGroupAsync(string handleOrUrl, CancellationToken ct)
    {
        var local = handleOrUrl.TrimStart('@');
        if (urls.Parse(handleOrUrl) is { Kind: ActorKind.Group } g) local = g.Name;
        else if (local.EndsWith("@" + urls.Authority, StringComparison.OrdinalIgnoreCase)) local = local[..local.IndexOf('@')];
        else if (local.Contains('@') || local.Contains('/'))
        {
            RemoteActor actor;
            try { actor = await resolver.ResolveAsync(handleOrUrl, ct); }
            catch (FetchException e) { throw new FediLearnException($"{handleOrUrl} could not be resolved: {e.Message}"); }
            if (actor.Type != "Group") throw new FediLearnException($"{handleOrUrl} is a {actor.Type}, not a group");
            return actor.Uri;
        }
        var name = local.ToLowerInvariant();
        return await db.LocalActors.AnyAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct)
            ? urls.Actor(ActorKind.Group, name)
            : throw new FediLearnException($"there is no group {handleOrUrl}");
    }

    private string MentionName(string actorUri)
    {
        if (urls.Parse(actorUri) is { } local) return $"@{local.Name}@{urls.Authority}";
        var remote = db.RemoteActors.AsNoTracking().Where(a => a.Uri == actorUri).Select(a => new { a.Username, a.Host }).FirstOrDefault();
        return remote?.Username is { } user ? $"@{user}@{remote.Host}" : actorUri;
    }

    /// <summary>The member as the thread code sees any author.</summary>
    private RemoteActor LocalView(LocalActor author) => new()
    {
        Uri = urls.Actor(author), Type = "Person", Host = urls.Authority.ToLowerInvariant(), Username = author.Name,
        DisplayName = author.DisplayName, Inbox = urls.Inbox(author),
    };

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
