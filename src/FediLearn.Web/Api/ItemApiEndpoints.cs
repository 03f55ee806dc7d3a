using System.Text.Json;
using System.Text.Json.Serialization;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Api;

/// <summary>The facilitators' JSON API for prompts, posts, materials and sessions (docs/api.md).</summary>
public static class ItemApiEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonBodyErrors.TextWithoutNul() },
    };

    public static void MapItemApiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/groups/{name}");
        api.MapPost($"/{ActorUrls.KindRoute}", CreateAsync);
        api.MapGet($"/{ActorUrls.KindRoute}", ListAsync);
        api.MapGet($"/{ActorUrls.KindRoute}/{{id:long}}", GetAsync);
        api.MapPut($"/{ActorUrls.KindRoute}/{{id:long}}", UpdateAsync);
        api.MapDelete($"/{ActorUrls.KindRoute}/{{id:long}}", DeleteAsync);
        api.MapGet("/prompts/{id:long}/responses", ResponsesAsync);
    }

    // The route admits only these four; anything else reaching here is a routing mistake, not a session.
    private static ItemKind KindOf(string segment) =>
        ActorUrls.KindOfSegment(segment) ?? throw new System.Diagnostics.UnreachableException($"No item kind {segment}");

    private static async Task<IResult> CreateAsync(string name, string kind, HttpContext http, PublishingService publishing, ActorUrls urls, CancellationToken ct)
    {
        var (person, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        var (request, bad) = await ReadAsync(http, ct);
        if (bad is not null) return bad;
        try
        {
            var item = await publishing.CreateAsync(group!, person!, KindOf(kind), request!.ToInput(), ct);
            var body = ItemResponse.From(item, group!, urls);
            return Results.Json(body, Json, statusCode: StatusCodes.Status201Created);
        }
        catch (ItemValidationException e) { return ApiAuth.Invalid(e.Errors); }
    }

    private const int MaxPage = 100_000;

    private static async Task<IResult> ListAsync(string name, string kind, string? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, CancellationToken ct)
    {
        var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        // Read by hand: bound as int?, ?page=abc was an empty 400 that named nothing.
        var p = 1;
        // Capped as the collections' pages are: past it the offset overflowed (page 1 again on SQLite, an error on PostgreSQL).
        if (!string.IsNullOrEmpty(page) && !int.TryParse(page, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out p)
            || p > MaxPage)
            return ApiAuth.Invalid(new Dictionary<string, string[]> { ["page"] = [$"A whole number up to {MaxPage}: 1 (the default) for the newest 50."] });
        var k = KindOf(kind);
        p = Math.Max(p, 1);
        var items = await db.GroupItems.AsNoTracking().Where(i => i.GroupId == group!.Id && i.Kind == k && i.DeletedAt == null)
            .OrderByDescending(i => i.Id).Skip((p - 1) * 50).Take(50).ToListAsync(ct);
        return Results.Json(new { items = items.Select(i => ItemResponse.From(i, group!, urls)), page = p }, Json);
    }

    private static async Task<IResult> GetAsync(string name, string kind, long id, HttpContext http, FediLearnDbContext db, ActorUrls urls, CancellationToken ct)
    {
        var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        var item = await FindAsync(db, group!, KindOf(kind), id, ct);
        return item is null ? NotFound(kind, id) : Results.Json(ItemResponse.From(item, group!, urls), Json);
    }

    private static async Task<IResult> UpdateAsync(string name, string kind, long id, HttpContext http, FediLearnDbContext db, PublishingService publishing, ActorUrls urls, CancellationToken ct)
    {
        var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        var item = await FindAsync(db, group!, KindOf(kind), id, ct);
        if (item is null) return NotFound(kind, id);
        var (request, bad) = await ReadAsync(http, ct);
        if (bad is not null) return bad;
        try
        {
            item = await publishing.UpdateAsync(group!, item, request!.ToInput(), ct);
            return Results.Json(ItemResponse.From(item, group!, urls), Json);
        }
        catch (ItemValidationException e) { return ApiAuth.Invalid(e.Errors); }
    }

    private static async Task<IResult> DeleteAsync(string name, string kind, long id, HttpContext http, FediLearnDbContext db, PublishingService publishing, CancellationToken ct)
    {
        var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        var item = await FindAsync(db, group!, KindOf(kind), id, ct);
        if (item is null || !await publishing.DeleteAsync(group!, item, ct)) return NotFound(kind, id);
        return Results.NoContent();
    }

    /// <summary>Who answered a prompt and when: every reply in its thread, oldest first, with its author and server.</summary>
    private static async Task<IResult> ResponsesAsync(string name, long id, HttpContext http, FediLearnDbContext db, ActorUrls urls, CancellationToken ct)
    {
        var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
        if (error is not null) return error;
        var prompt = await FindAsync(db, group!, ItemKind.Prompt, id, ct);
        if (prompt is null) return NotFound("prompts", id);
        var replies = await db.Replies.AsNoTracking().Where(r => r.TopItemId == prompt.Id && r.DeletedAt == null)
            .OrderBy(r => r.PublishedAt).ThenBy(r => r.Id).ToListAsync(ct);
        return Results.Json(new
        {
            prompt = urls.Item(group!.Name, ItemKind.Prompt, prompt.Id),
            respondents = replies.Select(r => r.AuthorUri).Distinct().Count(),
            responses = replies.Select(r => new
            {
                id = r.Uri, author = r.AuthorUri, handle = r.AuthorName is null ? null : "@" + r.AuthorName, server = r.AuthorHost,
                inReplyTo = r.InReplyTo, publishedAt = new DateTimeOffset(DateTime.SpecifyKind(r.PublishedAt, DateTimeKind.Utc)),
                edited = r.UpdatedAt is not null, contentHtml = FediLearn.Core.Text.HtmlSanitizer.Sanitize(r.ContentHtml),
            }),
        }, Json);
    }

    private static Task<GroupItem?> FindAsync(FediLearnDbContext db, LocalActor group, ItemKind kind, long id, CancellationToken ct) =>
        db.GroupItems.FirstOrDefaultAsync(i => i.Id == id && i.GroupId == group.Id && i.Kind == kind && i.DeletedAt == null, ct);

    private static IResult NotFound(string kind, long id) => ApiAuth.Problem(404, "Not found", $"This group has no {kind.TrimEnd('s')} {id}.");

    private static async Task<(ItemRequest?, IResult?)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasJsonContentType())
            return (null, ApiAuth.Problem(415, "JSON expected", ErrorResponses.SendJson));
        try
        {
            var request = await JsonSerializer.DeserializeAsync<ItemRequest>(http.Request.Body, Json, ct);
            return request is null ? (null, ApiAuth.Problem(400, "Empty body", "Send a JSON object.")) : (request, null);
        }
        catch (JsonException e)
        {
            return (null, JsonBodyErrors.Invalid(e));
        }
    }
}
