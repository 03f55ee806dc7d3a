using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// Every published group object at its id: JSON for ActivityPub clients, a page for people (federation.md items 4, 13, 17).
/// Deleted objects answer 410 with a Tombstone; scheduled ones do not exist publicly yet (404).
/// </summary>
public static class ObjectEndpoints
{
    private const string KindRoute = "{kind:regex(^(prompts|posts|materials|sessions)$)}";

    public static void MapObjectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet($"/g/{{name}}/{KindRoute}/{{id:long}}", ObjectAsync);
        app.MapGet($"/g/{{name}}/{KindRoute}/{{id:long}}/{{collection:regex(^(context|replies)$)}}", ThreadCollectionAsync);
    }

    internal static async Task<(LocalActor? Group, GroupItem? Item)> FindPublishedAsync(FediLearnDbContext db, string name, string kind, long id, CancellationToken ct)
    {
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct);
        if (group is null) return (null, null);
        var k = kind switch { "prompts" => ItemKind.Prompt, "posts" => ItemKind.Post, "materials" => ItemKind.Material, _ => ItemKind.Session };
        var item = await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id && i.GroupId == group.Id && i.Kind == k && i.PublishedAt != null, ct);
        return (group, item);
    }

    private static async Task<IResult> ObjectAsync(string name, string kind, long id, HttpContext http, FediLearnDbContext db,
        GroupObjectRenderer renderer, PublishingService publishing, ActorUrls urls, CancellationToken ct)
    {
        var (group, item) = await FindPublishedAsync(db, name, kind, id, ct);
        if (group is null || item is null) return NotFound(http);
        http.Response.Headers.Vary = "Accept";
        if (Negotiation.WantsActivityJson(http.Request))
        {
            var doc = renderer.Render(item, await publishing.ContextAsync(group, item, ct));
            if (item.DeletedAt is not null)
                return Results.Text(doc.ToString(Newtonsoft.Json.Formatting.None), Negotiation.ActivityJson, System.Text.Encoding.UTF8, StatusCodes.Status410Gone);
            return Negotiation.ActivityResult(doc, http);
        }
        if (item.DeletedAt is not null)
            return HtmlLayout.Result("Deleted", "<h1>Deleted</h1><p>The group deleted this.</p>", status: 410);
        return ItemPages.Item(item, group, await publishing.ContextAsync(group, item, ct), urls);
    }

    /// <summary>
    /// The thread collections: context (FEP-7888/f228, ordered, first item the top object) and replies. Replies from
    /// other servers arrive with the discussion feature; until then each thread holds its top object only.
    /// </summary>
    private static async Task<IResult> ThreadCollectionAsync(string name, string kind, long id, string collection, int? page,
        HttpContext http, FediLearnDbContext db, GroupObjectRenderer renderer, CancellationToken ct)
    {
        var (group, item) = await FindPublishedAsync(db, name, kind, id, ct);
        if (group is null || item is null || item.DeletedAt is not null) return NotFound(http);
        var objectId = renderer.Id(item, group);
        var collectionId = $"{objectId}/{collection}";
        var items = collection == "context" ? new JArray(objectId) : [];
        var doc = page is null ? CollectionRenderer.Collection(collectionId, items.Count) : CollectionRenderer.Page(collectionId, page.Value, items, false);
        if (collection == "context" && page is null)
        {
            doc["attributedTo"] = renderer.Urls.Actor(group);
            doc["audience"] = renderer.Urls.Actor(group);
        }
        return Negotiation.ActivityResult(doc, http);
    }

    private static IResult NotFound(HttpContext http) =>
        Negotiation.WantsHtml(http.Request)
            ? HtmlLayout.Result("Not found", "<h1>Not found</h1><p>There is nothing at this address on this node.</p>", status: 404)
            : ErrorResponses.Json(404, "Not found");
}
