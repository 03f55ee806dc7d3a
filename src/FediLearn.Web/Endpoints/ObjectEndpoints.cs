using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// Every published group object at its id: JSON for ActivityPub clients, a page for people (federation.md items 4, 13, 17).
/// Deleted objects answer 410 with a Tombstone, and so do their thread collections; scheduled ones do not exist
/// publicly yet (404).
/// </summary>
public static class ObjectEndpoints
{
    public static void MapObjectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet($"/g/{{name}}/{ActorUrls.KindRoute}", ListAsync);
        app.MapGet($"/g/{{name}}/{ActorUrls.KindRoute}/{{id:long}}", ObjectAsync);
        app.MapGet($"/g/{{name}}/{ActorUrls.KindRoute}/{{id:long}}/{{collection:oneof(context|replies)}}", ThreadCollectionAsync).ActivityJsonOnly();
    }

    // The route admits only these four; anything else reaching here is a routing mistake, not a session.
    private static ItemKind KindOf(string kind) =>
        ActorUrls.KindOfSegment(kind) ?? throw new System.Diagnostics.UnreachableException($"No item kind {kind}");

    /// <summary>
    /// Every published prompt, post, material or session of a group, for people: the group's page shows the latest few
    /// of each and links here. Newest first (sessions by the instant they start, materials pinned first), 50 a page (<c>?page=N</c>).
    /// ActivityPub clients read the outbox instead.
    /// </summary>
    private static async Task<IResult> ListAsync(string name, string kind, HttpContext http, FediLearnDbContext db, ActorUrls urls, CancellationToken ct)
    {
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct);
        if (group is null) return NotFound(http);
        if (await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
        if (Negotiation.WantsActivityJson(http.Request))
            return ErrorResponses.Json(406, $"This is a page for people; the group's objects are in its outbox, {urls.Actor(group)}/outbox");
        var k = KindOf(kind);
        var items = db.GroupItems.AsNoTracking().Where(i => i.GroupId == group.Id && i.Kind == k && i.PublishedAt != null && i.DeletedAt == null);
        var total = await items.CountAsync(ct);
        var pages = Paging.Count(total, ItemListPage.PerPage);
        var page = Paging.PageIn(http.Request, pages);
        var skip = (page - 1) * ItemListPage.PerPage;
        var shown = k == ItemKind.Session
            ? await SessionsByStartAsync(items, skip, ct)
            : await (k == ItemKind.Material
                    ? items.OrderByDescending(i => i.Pinned).ThenByDescending(i => i.PublishedAt).ThenByDescending(i => i.Id)
                    : items.OrderByDescending(i => i.PublishedAt).ThenByDescending(i => i.Id))
                .Skip(skip).Take(ItemListPage.PerPage).ToListAsync(ct);
        http.Response.Headers.Vary = "Accept";
        return ItemListPage.Result(group, k, urls, shown, total, page, pages);
    }

    /// <summary>
    /// A page of sessions, latest start first by instant: zones differ, so the database's order of local starts is not the
    /// order of instants (a session at 09:00 in New York starts after one at 10:00 in Amsterdam the same day). Each
    /// session's start and zone are read, a few bytes a session, ordered in memory, and the page's sessions loaded by id.
    /// A session whose zone this machine does not know is placed by its local start read as UTC.
    /// </summary>
    private static async Task<List<GroupItem>> SessionsByStartAsync(IQueryable<GroupItem> sessions, int skip, CancellationToken ct)
    {
        var starts = await sessions.Select(i => new { i.Id, i.StartsAtLocal, i.TimeZone }).ToListAsync(ct);
        var ids = starts
            .Select(s => (s.Id, Start: s.StartsAtLocal is not { } local ? DateTimeOffset.MinValue
                : SessionTime.IsValidZone(s.TimeZone) ? SessionTime.ToInstant(local, s.TimeZone!) : new DateTimeOffset(local.Ticks, TimeSpan.Zero)))
            .OrderByDescending(s => s.Start).ThenByDescending(s => s.Id)
            .Skip(skip).Take(ItemListPage.PerPage).Select(s => s.Id).ToList();
        var page = await sessions.Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        return ids.Where(page.ContainsKey).Select(id => page[id]).ToList();
    }

    internal static async Task<(LocalActor? Group, GroupItem? Item)> FindPublishedAsync(FediLearnDbContext db, string name, string kind, long id, CancellationToken ct)
    {
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct);
        if (group is null) return (null, null);
        var k = KindOf(kind);
        var item = await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id && i.GroupId == group.Id && i.Kind == k && i.PublishedAt != null, ct);
        return (group, item);
    }

    private static async Task<IResult> ObjectAsync(string name, string kind, long id, HttpContext http, FediLearnDbContext db,
        GroupObjectRenderer renderer, PublishingService publishing, ActorUrls urls, ReadCache cache, ThreadPageCache pageCache, CancellationToken ct)
    {
        var json = Negotiation.WantsActivityJson(http.Request);
        var key = $"object|{name}|{kind}|{id}";
        if (json && cache.TryGet(key, out var hit) && await CachedDocuments.HitAsync(hit, gated: true, http, db, ct) is { } answer) return answer;
        var generation = cache.Generation;
        // The page, for visitors who are not logged in (as the group's page), per page of the discussion that exists (a
        // page past the last is not stored). Only a public group's pages are stored, so a hit needs no access check; a
        // group turned members-only empties the cache.
        var requested = Paging.PageIn(http.Request, 100_000);
        var pageKey = json || http.User.Identity?.IsAuthenticated == true ? null : $"itempage|{name}|{kind}|{id}|{requested}";
        if (pageKey is not null && pageCache.Pages.TryGet(pageKey, out var cachedPage)) return CachedDocuments.Ok(cachedPage, http);
        var pageGeneration = pageCache.Pages.Generation;

        var (group, item) = await FindPublishedAsync(db, name, kind, id, ct);
        // A members-only group's objects: 403 to anyone else, even for one deleted (never 404/410 what exists).
        if (group is not null && await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
        if (group is null || item is null) return NotFound(http);
        http.Response.Headers.Vary = "Accept";
        if (json)
        {
            var doc = renderer.Render(item, await publishing.ContextAsync(group, item, ct));
            // A Tombstone answers 410 and is never stored: the cache holds successes only.
            if (item.DeletedAt is not null) return TombstoneResult(doc);
            return CachedDocuments.Store(cache, key, generation, CachedDocuments.Utf8(doc), CachedDocuments.ActivityJsonType, group.Id, group.MembersOnly, http);
        }
        if (item.DeletedAt is not null) return DeletedPage();
        // The discussion, oldest first, a page at a time (?page=N): every reply is reachable, and a page stays readable.
        var replies = db.Replies.AsNoTracking().Where(r => r.TopItemId == item.Id && r.DeletedAt == null);
        var total = await replies.CountAsync(ct);
        var pages = Paging.Count(total, ItemPages.RepliesPerPage);
        var page = Paging.PageIn(http.Request, pages);
        var shown = await replies.OrderBy(r => r.PublishedAt).ThenBy(r => r.Id)
            .Skip((page - 1) * ItemPages.RepliesPerPage).Take(ItemPages.RepliesPerPage).ToListAsync(ct);
        // The replies some of these answer (a cohort's members answer each other): named on each, and linked on the page.
        var parents = shown.ToDictionary(r => r.Uri);
        var offPage = shown.Select(r => r.InReplyTo).OfType<string>().Where(u => !parents.ContainsKey(u)).Distinct().ToList();
        if (offPage.Count > 0)
            foreach (var parent in await replies.Where(r => offPage.Contains(r.Uri)).ToListAsync(ct)) parents.TryAdd(parent.Uri, parent);
        var likes = await db.Likes.CountAsync(l => l.ObjectUri == renderer.Id(item, group), ct);
        // A session lists its reflection prompts; a reflection prompt links back to its session.
        var related = item.Kind == ItemKind.Session ? await ThreadReader.ReflectionPrompts(db, item).ToListAsync(ct)
            : item.SessionId is { } sessionId ? await db.GroupItems.AsNoTracking()
                .Where(i => i.Id == sessionId && i.GroupId == group.Id && i.PublishedAt != null && i.DeletedAt == null).ToListAsync(ct)
            : null;
        var html = ItemPages.ItemHtml(item, group, await publishing.ContextAsync(group, item, ct), urls, new ThreadPage(shown, total, page, pages, parents), likes, related);
        if (pageKey is not null && !group.MembersOnly && page == requested)
            return CachedDocuments.Store(pageCache.Pages, pageKey, pageGeneration, System.Text.Encoding.UTF8.GetBytes(html), CachedDocuments.HtmlType, group.Id, false, http);
        return Results.Content(html, CachedDocuments.HtmlType);
    }

    /// <summary>
    /// The thread collections: context (FEP-7888/f228: ordered, first item the top object, then every reply in the
    /// thread by publication) and replies (direct replies only). Paged like every collection. A session's reflection
    /// prompts reply to it and share its context, so both of its collections list them with the replies, and its context
    /// holds the replies to them too.
    /// </summary>
    private static async Task<IResult> ThreadCollectionAsync(string name, string kind, long id, string collection, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "page")] string? pageParameter,
        HttpContext http, FediLearnDbContext db, GroupObjectRenderer renderer, CancellationToken ct)
    {
        var page = Paging.Requested(pageParameter);
        var (group, item) = await FindPublishedAsync(db, name, kind, id, ct);
        if (group is not null && await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
        if (group is null || item is null) return NotFound(http);
        var objectId = renderer.Id(item, group);
        var collectionId = $"{objectId}/{collection}";
        if (item.DeletedAt is not null)
        {
            // Gone with its item (410, as the item), where it answered 404 as if it had never been there until 2026-12-06.
            http.Response.Headers.Vary = "Accept";
            if (Negotiation.WantsHtml(http.Request)) return DeletedPage();
            var tombstone = renderer.Tombstone(item, group);
            tombstone["id"] = collectionId;
            tombstone["formerType"] = "OrderedCollection";
            return TombstoneResult(tombstone);
        }
        if (page is < 1 or > 100_000) return ErrorResponses.Json(400, "page must be between 1 and 100000");
        var reflections = item.Kind != ItemKind.Session ? [] : await ThreadReader.ReflectionPrompts(db, item).ToListAsync(ct);
        var prompts = reflections.Select(i => new ThreadMerge.Entry(renderer.Id(i, group), i.PublishedAt!.Value)).ToList();
        // The context is the whole thread: a reflection prompt names the session's as its own, so replies to it belong too.
        var tops = reflections.Select(i => i.Id).Append(item.Id).ToList();
        var replies = db.Replies.AsNoTracking().Where(r => r.DeletedAt == null);
        replies = collection == "context"
            ? (tops.Count == 1 ? replies.Where(r => r.TopItemId == item.Id) : replies.Where(r => r.TopItemId != null && tops.Contains(r.TopItemId.Value)))
            : replies.Where(r => r.InReplyTo == objectId);
        var ordered = replies.OrderBy(r => r.PublishedAt).ThenBy(r => r.Id).Select(r => new ThreadMerge.Entry(r.Uri, r.PublishedAt));
        var head = collection == "context" ? 1 : 0; // the top object leads the context
        var total = await replies.CountAsync(ct) + prompts.Count + head;
        if (page is not { } p)
        {
            var doc = CollectionRenderer.Collection(collectionId, total);
            if (collection == "context")
            {
                doc["attributedTo"] = renderer.Urls.Actor(group);
                doc["audience"] = renderer.Urls.Actor(group);
            }
            return Negotiation.ActivityResult(doc, http);
        }
        var size = CollectionRenderer.PageSize;
        var start = Math.Max((p - 1) * size - head, 0); // in the thread's order after the head
        var take = p == 1 ? size - head : size;
        var firstRank = ThreadMerge.FirstReplyRank(start, prompts.Count);
        var window = await ordered.Skip(firstRank).Take(take + 1 + prompts.Count).ToListAsync(ct);
        var uris = ThreadMerge.Window(prompts, window, firstRank, start, take + 1); // one more: is there a next page?
        var items = (p == 1 && head == 1 ? new[] { objectId } : []).Concat(uris.Take(take)).Select(u => (JToken)new JValue(u));
        return Negotiation.ActivityResult(CollectionRenderer.Page(collectionId, p, items, uris.Count > take), http);
    }

    /// <summary>
    /// What a browser gets at a deleted item's address, and at what hangs off it (its thread collections, a session's
    /// <c>.ics</c>): 410 with a page saying so. Never stored: the caches hold successes only.
    /// </summary>
    internal static IResult DeletedPage() =>
        HtmlLayout.Result("Deleted", "<h1>Deleted</h1><p>The group deleted this.</p>", status: StatusCodes.Status410Gone);

    /// <summary>What an ActivityPub client gets at a deleted item's address and its thread collections: 410 with a Tombstone.</summary>
    private static IResult TombstoneResult(JObject tombstone) =>
        Results.Text(tombstone.ToString(Newtonsoft.Json.Formatting.None), Negotiation.ActivityJson, System.Text.Encoding.UTF8, StatusCodes.Status410Gone);

    private static IResult NotFound(HttpContext http) =>
        Negotiation.WantsHtml(http.Request)
            ? HtmlLayout.NotFound("There is nothing at this address on this node.")
            : ErrorResponses.Json(404, "Not found");
}
