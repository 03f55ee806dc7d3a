using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Queues;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>Actor documents, their collections and our activities, each at its id (federation.md items 4-7).</summary>
public static class ActorEndpoints
{
    public static void MapActorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/g/{name}", (string name, HttpContext http, FediLearnDbContext db, ActorUrls urls, ActorRenderer renderer, ReadCache cache, CancellationToken ct) =>
            ActorAsync(ActorKind.Group, name, http, db, urls, renderer, cache, ct));
        app.MapGet("/u/{name}", (string name, HttpContext http, FediLearnDbContext db, ActorUrls urls, ActorRenderer renderer, ReadCache cache, CancellationToken ct) =>
            ActorAsync(ActorKind.Person, name, http, db, urls, renderer, cache, ct));
        app.MapGet("/actor", (HttpContext http, FediLearnDbContext db, ActorUrls urls, ActorRenderer renderer, ReadCache cache, CancellationToken ct) =>
            ActorAsync(ActorKind.Application, ActorUrls.InstanceActorName, http, db, urls, renderer, cache, ct));

        // One route per actor kind with a literal prefix, as /g/{name} and /u/{name} have: a "g|u" parameter compared
        // exactly in the handler took /G/rust/outbox for a person's and answered 404 for an existing group.
        app.MapGet("/g/{name}/{collection:oneof(followers|following|outbox|featured|moderators)}",
            (string name, string collection, string? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, ReadCache cache, CancellationToken ct) =>
                CollectionAsync(ActorKind.Group, name, collection, Paging.Requested(page), http, db, urls, cache, ct))
            .ActivityJsonOnly();
        app.MapGet("/u/{name}/{collection:oneof(followers|following|outbox|featured|moderators)}",
            (string name, string collection, string? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, ReadCache cache, CancellationToken ct) =>
                CollectionAsync(ActorKind.Person, name, collection, Paging.Requested(page), http, db, urls, cache, ct))
            .ActivityJsonOnly();
        app.MapGet("/actor/{collection:oneof(followers|following|outbox|featured)}",
            (string collection, string? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, ReadCache cache, CancellationToken ct) =>
                CollectionAsync(ActorKind.Application, ActorUrls.InstanceActorName, collection, Paging.Requested(page), http, db, urls, cache, ct))
            .ActivityJsonOnly();

        app.MapGet("/g/{name}/icon.png", async (string name, HttpContext http, FediLearnDbContext db, CancellationToken ct) =>
            await db.LocalActors.AnyAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct)
                ? Results.File(GroupIcon.Png(name), "image/png")
                : NotFound(http, $"No group named {name}"));

        app.MapGet("/activities/{key}", async (string key, HttpContext http, FediLearnDbContext db, OutboundDocuments documents, CancellationToken ct) =>
        {
            var activity = await db.OutboundActivities.AsNoTracking().FirstOrDefaultAsync(a => a.Key == key, ct);
            if (activity is null) return ErrorResponses.Json(404, "No such activity");
            // It exists: never 404/410 it. Follow responses are addressed to one server only; what a members-only group
            // sent to all its participants, their servers may read.
            if (!activity.IsPublic)
            {
                var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == activity.ActorId, ct);
                if (!group.MembersOnly || !await db.FanoutJobs.AnyAsync(f => f.ActivityId == activity.Id, ct))
                    return ErrorResponses.Json(403, "This activity is not public");
                if (await MembersOnlyAccess.CheckAsync(http, group, ct) is { } denied) return denied;
            }
            return Negotiation.ActivityResult(ActivityJson.Parse(await documents.JsonAsync(db, activity, ct)), http);
        }).ActivityJsonOnly();
    }

    private static async Task<IResult> ActorAsync(ActorKind kind, string name, HttpContext http, FediLearnDbContext db, ActorUrls urls, ActorRenderer renderer, ReadCache cache, CancellationToken ct)
    {
        var json = Negotiation.WantsActivityJson(http.Request);
        // The JSON differs between the full and the key-only view (secure mode); the page is shared by anonymous
        // visitors only (a logged-in facilitator may see more of a members-only group, and the follow form errors).
        var key = json ? $"actor|{(int)kind}|{name}|{(AuthorizedFetch.IsKeyOnly(http) ? "key" : "full")}"
            : http.User.Identity?.IsAuthenticated != true ? $"page|{(int)kind}|{name}" : null;
        if (key is not null && cache.TryGet(key, out var hit)) return CachedDocuments.Ok(hit, http);
        var generation = cache.Generation;

        var actor = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == kind && a.Name == name, ct);
        if (actor is null) return NotFound(http, kind == ActorKind.Group ? $"No group named {name} on this node" : $"No member named {name} on this node");
        if (json)
            return CachedDocuments.Store(cache, key!, generation, CachedDocuments.Utf8(AuthorizedFetch.ForRequest(renderer.Render(actor), http)),
                CachedDocuments.ActivityJsonType, actor.Id, actor.MembersOnly, http);
        http.Response.Headers.Vary = "Accept";
        if (key is not null && !actor.MembersOnly)
        {
            var followers = await db.Followers.CountAsync(f => f.LocalActorId == actor.Id && f.State == FollowState.Accepted, ct);
            var content = actor.Kind == ActorKind.Group ? await GroupContentAsync(db, actor.Id, ct) : GroupPageContent.Empty;
            var (html, status) = ActorPages.ActorHtml(actor, urls, followers, content);
            if (status == StatusCodes.Status200OK)
                return CachedDocuments.Store(cache, key, generation, System.Text.Encoding.UTF8.GetBytes(html), CachedDocuments.HtmlType, actor.Id, false, http);
        }
        return await PageAsync(actor, http, db, urls, null, ct);
    }

    /// <summary>The actor's HTML page; also re-rendered by the follow form (Endpoints/FollowEndpoints) with its error.</summary>
    /// A members-only group shows visitors who are not its facilitators only who it is and how to ask to join (403).
    internal static async Task<IResult> PageAsync(LocalActor actor, HttpContext http, FediLearnDbContext db, ActorUrls urls, FollowFormState? follow, CancellationToken ct)
    {
        var followers = await db.Followers.CountAsync(f => f.LocalActorId == actor.Id && f.State == FollowState.Accepted, ct);
        var restricted = actor.Kind == ActorKind.Group && !await MembersOnlyAccess.MayReadPagesAsync(http, actor, ct);
        if (actor.MembersOnly) MembersOnlyAccess.PrivateAnswer(http);
        var content = actor.Kind == ActorKind.Group && !restricted ? await GroupContentAsync(db, actor.Id, ct) : GroupPageContent.Empty;
        return ActorPages.Actor(actor, urls, followers, content, follow, restricted);
    }

    private static async Task<GroupPageContent> GroupContentAsync(FediLearnDbContext db, long groupId, CancellationToken ct)
    {
        var published = db.GroupItems.AsNoTracking().Where(i => i.GroupId == groupId && i.PublishedAt != null && i.DeletedAt == null);
        var prompts = await published.Where(i => i.Kind == ItemKind.Prompt).OrderByDescending(i => i.PublishedAt).Take(GroupPageContent.LatestPrompts).ToListAsync(ct);
        var posts = await published.Where(i => i.Kind == ItemKind.Post).OrderByDescending(i => i.PublishedAt).Take(GroupPageContent.LatestPosts).ToListAsync(ct);
        var materials = await published.Where(i => i.Kind == ItemKind.Material)
            .OrderByDescending(i => i.Pinned).ThenByDescending(i => i.PublishedAt).Take(GroupPageContent.LatestMaterials).ToListAsync(ct);
        // Sessions are ordered by their instant, which depends on each one's zone: the upcoming ones (not yet ended) and the
        // past ones are read apart, each from a bounded window of local times widened by a day (no zone is further from UTC),
        // and ordered in memory. From one window of the latest 200 by local start, a group with more than 200 planned
        // listed sessions years away as upcoming, never the next one, and no past ones.
        var now = DateTimeOffset.UtcNow;
        var sessions = published.Where(i => i.Kind == ItemKind.Session);
        var upcoming = (await sessions.Where(i => !i.Cancelled).NotEndedBy(now).Take(SessionWindow).ToListAsync(ct)).Timed()
            .Where(s => s.End > now).OrderBy(s => s.Start).Take(GroupPageContent.UpcomingSessions).Select(s => s.Item).ToList();
        var past = (await sessions.EndedBy(now).Take(SessionWindow).ToListAsync(ct)).Timed()
            .Where(s => s.End <= now).OrderByDescending(s => s.Start).Take(GroupPageContent.LatestPast).Select(s => s.Item).ToList();
        return new GroupPageContent(upcoming, prompts, posts, materials, past);
    }

    /// <summary>How many sessions the group's page reads for each of its two lists, before ordering them by instant.</summary>
    private const int SessionWindow = 200;

    private static async Task<IResult> CollectionAsync(
        ActorKind kind, string name, string collection, int? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, ReadCache cache, CancellationToken ct)
    {
        var gated = collection is "outbox" or "featured" or "followers";
        var key = collection == "moderators" ? null : $"collection|{(int)kind}|{name}|{collection}|{page}";
        if (key is not null && cache.TryGet(key, out var hit) && await CachedDocuments.HitAsync(hit, gated, http, db, ct) is { } answer) return answer;
        var generation = cache.Generation;

        var actor = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == kind && a.Name == name, ct);
        if (actor is null || (collection == "moderators" && kind != ActorKind.Group)) return NotFound(http, "No such collection");
        if (actor.MembersOnly && gated
            && await MembersOnlyAccess.CheckAsync(http, actor, ct) is { } denied)
            return denied;
        if (page is < 1 or > 100_000) return ErrorResponses.Json(400, "page must be between 1 and 100000");
        var id = $"{urls.Actor(actor)}/{collection}";

        if (collection == "moderators")
        {
            var moderators = await db.GroupFacilitators.AsNoTracking().Where(f => f.GroupId == actor.Id)
                .Join(db.LocalActors, f => f.PersonId, p => p.Id, (f, p) => p).OrderBy(p => p.Name).ToListAsync(ct);
            var doc = CollectionRenderer.Collection(id, moderators.Count);
            doc.Remove("first");
            doc["orderedItems"] = new JArray(moderators.Select(p => urls.Actor(p)));
            return Negotiation.ActivityResult(doc, http);
        }

        var (total, items) = collection switch
        {
            "followers" => await PageAsync(db.Followers.AsNoTracking().Where(f => f.LocalActorId == actor.Id && f.State == FollowState.Accepted)
                .OrderBy(f => f.Id).Select(f => f.ActorUri), page, ct),
            "following" => await PageAsync(db.Followings.AsNoTracking().Where(f => f.LocalActorId == actor.Id && f.State == FollowState.Accepted)
                .OrderBy(f => f.Id).Select(f => f.RemoteActor!.Uri), page, ct),
            // A members-only group's outbox (its participants' servers only) lists what it sent to all of them, not
            // what went to a few (session reminders).
            "outbox" => await PageAsync(db.OutboundActivities.AsNoTracking()
                .Where(a => a.ActorId == actor.Id && a.Type == "Create" && (a.IsPublic || (actor.MembersOnly && db.FanoutJobs.Any(f => f.ActivityId == a.Id))))
                .OrderByDescending(a => a.Id).Select(a => a.Json), page, ct),
            "featured" => await PageAsync(db.GroupItems.AsNoTracking()
                .Where(i => i.GroupId == actor.Id && i.Kind == ItemKind.Material && i.Pinned && i.PublishedAt != null && i.DeletedAt == null)
                .OrderByDescending(i => i.Id).Select(i => i.Id.ToString()), page, ct),
            // The route admits only the names above; an empty answer for anything else would hide a routing mistake.
            _ => throw new System.Diagnostics.UnreachableException($"No collection named {collection}"),
        };
        if (page is not { } p)
            return CachedDocuments.Store(cache, key!, generation, CachedDocuments.Utf8(CollectionRenderer.Collection(id, total)),
                CachedDocuments.ActivityJsonType, actor.Id, actor.MembersOnly, http);
        var tokens = items.Take(CollectionRenderer.PageSize).Select(item => collection switch
        {
            "outbox" => (JToken)ActivityJson.Parse(item),
            "featured" => new JValue(urls.Item(actor.Name, ItemKind.Material, long.Parse(item, System.Globalization.CultureInfo.InvariantCulture))),
            _ => new JValue(item),
        });
        return CachedDocuments.Store(cache, key!, generation, CachedDocuments.Utf8(CollectionRenderer.Page(id, p, tokens, items.Count > CollectionRenderer.PageSize)),
            CachedDocuments.ActivityJsonType, actor.Id, actor.MembersOnly, http);
    }

    /// <summary>Counts the collection and, when a page is asked for, reads one item more than a page to know whether there is a next.</summary>
    private static async Task<(int Total, List<string> Items)> PageAsync(IQueryable<string> query, int? page, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        if (page is not { } p) return (total, []);
        var items = await query.Skip((p - 1) * CollectionRenderer.PageSize).Take(CollectionRenderer.PageSize + 1).ToListAsync(ct);
        return (total, items);
    }

    internal static IResult NotFound(HttpContext http, string message) =>
        Negotiation.WantsHtml(http.Request)
            ? HtmlLayout.NotFound(message + ".")
            : ErrorResponses.Json(404, message);
}
