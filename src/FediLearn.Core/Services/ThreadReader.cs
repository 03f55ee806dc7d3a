using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record ThreadEntry(string Id, string Type, string? AttributedTo, string? InReplyTo, DateTime Published, string ContentHtml);

/// <summary>
/// One thread as this node knows it, top object first, then every reply by publication time: for a group hosted here,
/// the group's object and the replies it accepted; for a group followed on another server, what that group published
/// and relayed (minus what it withdrew). Every node of a cohort should read the same list. Each entry's HTML is cleaned
/// as it is read, whatever the row holds (security.md principle 6).
/// </summary>
public sealed class ThreadReader(FediLearnDbContext db, ActorUrls urls, GroupObjectRenderer renderer)
{
    public const int MaxEntries = 2_000;

    /// <param name="reader">Who reads: a members-only group's threads are read by its facilitators only (null: no check).</param>
    public async Task<IReadOnlyList<ThreadEntry>?> ReadAsync(string topUri, CancellationToken ct, LocalActor? reader = null)
    {
        if (urls.ParseItem(topUri) is { } target)
        {
            var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == target.Group, ct);
            if (group is { MembersOnly: true } && reader is not null
                && !await db.IsFacilitatorAsync(group.Id, reader.Id, ct))
                throw new FediLearnException($"{group.Name} is members-only: only its facilitators read its threads here");
            var item = group is null ? null : await db.GroupItems.AsNoTracking()
                .FirstOrDefaultAsync(i => i.Id == target.Id && i.GroupId == group.Id && i.Kind == target.Kind && i.PublishedAt != null && i.DeletedAt == null, ct);
            if (item is null) return null;
            // A session's reflection prompts reply to it, and the answers to them are in its thread: a node following the
            // group reads them there (each arrives with its inReplyTo), so the group's own node lists them too.
            var reflections = item.Kind != ItemKind.Session ? [] : await ReflectionPrompts(db, item).Take(MaxEntries).ToListAsync(ct);
            var tops = reflections.Select(i => i.Id).Append(item.Id).ToList();
            var replies = await db.Replies.AsNoTracking().Where(r => r.TopItemId != null && tops.Contains(r.TopItemId.Value) && r.DeletedAt == null)
                .OrderBy(r => r.PublishedAt).ThenBy(r => r.Id).Take(MaxEntries).ToListAsync(ct);
            var headId = renderer.Id(item, group!);
            var head = new ThreadEntry(headId, TypeOf(item), urls.Actor(group!), null, item.PublishedAt!.Value, HtmlSanitizer.Sanitize(item.ContentHtml));
            return [head, .. reflections.Select(p => new ThreadEntry(renderer.Id(p, group!), TypeOf(p), urls.Actor(group!), headId, p.PublishedAt!.Value, HtmlSanitizer.Sanitize(p.ContentHtml)))
                .Concat(replies.Select(r => new ThreadEntry(r.Uri, ActivityJson.GetTypes(ActivityJson.Parse(r.Json)).FirstOrDefault() ?? "Note",
                    r.AuthorUri, r.InReplyTo, r.PublishedAt, HtmlSanitizer.Sanitize(r.ContentHtml))))
                .OrderBy(e => e.Published).ThenBy(e => e.Id, StringComparer.Ordinal).Take(MaxEntries)];
        }

        var top = await db.RemoteObjects.AsNoTracking().FirstOrDefaultAsync(o => o.Uri == topUri && o.DeletedAt == null, ct);
        if (top is null) return null;
        // Withdrawn objects still link their answers to the thread (they stay, as on the group's own node); they are not listed.
        var candidates = await db.RemoteObjects.AsNoTracking()
            .Where(o => o.AttributedTo == top.AttributedTo && o.InReplyTo != null)
            .OrderByDescending(o => o.Id).Take(MaxEntries * 5).ToListAsync(ct);
        var inThread = new HashSet<string>(StringComparer.Ordinal) { top.Uri };
        var byParent = candidates.ToLookup(o => o.InReplyTo!, StringComparer.Ordinal);
        var queue = new Queue<string>([top.Uri]);
        var members = new List<RemoteObject>();
        while (queue.Count > 0 && members.Count < MaxEntries)
            foreach (var child in byParent[queue.Dequeue()])
                if (inThread.Add(child.Uri))
                {
                    if (child.DeletedAt is null) members.Add(child);
                    queue.Enqueue(child.Uri);
                }
        return [Entry(top), .. members.Select(Entry).OrderBy(e => e.Published).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    /// <summary>The top of the thread an object is in, following inReplyTo through what this node knows (at most 64 steps).</summary>
    public async Task<string> FindTopAsync(string uri, CancellationToken ct)
    {
        var current = uri;
        for (var step = 0; step < 64; step++)
        {
            string? parent;
            if (urls.ParseItem(current) is not null) return current;
            if (urls.ParseNote(current) is { } own)
                parent = await db.LocalNotes.AsNoTracking()
                    .Where(n => n.Id == own.Id && db.LocalActors.Any(a => a.Id == n.AuthorId && a.Name == own.Author))
                    .Select(n => n.InReplyTo).FirstOrDefaultAsync(ct);
            else if (await db.Replies.AsNoTracking().Where(r => r.Uri == current).Select(r => new { r.InReplyTo, r.TopItemId }).FirstOrDefaultAsync(ct) is { } reply)
                parent = reply.InReplyTo;
            else
                parent = await db.RemoteObjects.AsNoTracking().Where(o => o.Uri == current).Select(o => o.InReplyTo).FirstOrDefaultAsync(ct);
            if (parent is null) return current;
            current = parent;
        }
        return current;
    }

    private static ThreadEntry Entry(RemoteObject o)
    {
        var json = ActivityJson.Parse(o.Json);
        var published = DateTimeOffset.TryParse(ActivityJson.GetString(json, "published"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var p) ? p.UtcDateTime : o.ReceivedAt;
        return new ThreadEntry(o.Uri, o.Type, ActivityJson.GetIds(json["attributedTo"]).FirstOrDefault() ?? o.AttributedTo, o.InReplyTo,
            published, HtmlSanitizer.Sanitize(ActivityJson.GetString(json, "content") ?? ""));
    }

    /// <summary>A session's reflection prompts that are published and not deleted, in publication order.</summary>
    public static IQueryable<GroupItem> ReflectionPrompts(FediLearnDbContext db, GroupItem session) =>
        db.GroupItems.AsNoTracking()
            .Where(i => i.SessionId == session.Id && i.GroupId == session.GroupId && i.PublishedAt != null && i.DeletedAt == null)
            .OrderBy(i => i.PublishedAt).ThenBy(i => i.Id);

    /// <summary>The ActivityStreams type the group's object is rendered as (GroupObjectRenderer), as other nodes store it.</summary>
    private static string TypeOf(GroupItem item) => item.Kind switch
    {
        ItemKind.Session => "Event",
        ItemKind.Material => "Article",
        ItemKind.Prompt when StoredJson.ReadStrings(item.ChoicesJson).Count > 0 => "Question",
        _ => "Note",
    };
}
