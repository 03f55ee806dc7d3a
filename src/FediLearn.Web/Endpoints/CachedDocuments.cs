using System.Text;
using FediLearn.Core.Data;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// Writing rendered documents as bytes, and keeping the successful ones in the <see cref="ReadCache"/>. Endpoints run
/// their access checks (members-only, secure mode) on every request, cached or not; only the bytes are reused.
/// </summary>
internal static class CachedDocuments
{
    public const string ActivityJsonType = Negotiation.ActivityJson + "; charset=utf-8";
    public const string HtmlType = "text/html; charset=utf-8";

    public static byte[] Utf8(JToken document) => Encoding.UTF8.GetBytes(document.ToString(Newtonsoft.Json.Formatting.None));

    /// <summary>A 200 with these bytes and <c>Vary: Accept</c> (the same URL serves HTML and JSON).</summary>
    public static IResult Ok(ReadCache.Entry entry, HttpContext http)
    {
        http.Response.Headers.Vary = "Accept";
        return new BytesResult(entry.Body, entry.ContentType);
    }

    /// <summary>
    /// The answer for a cache hit: its bytes, unless it is a members-only group's <paramref name="gated"/> document, whose
    /// reader is checked now against the database (403 to anyone else). Null when that group is gone: render afresh.
    /// </summary>
    public static async Task<IResult?> HitAsync(ReadCache.Entry hit, bool gated, HttpContext http, FediLearnDbContext db, CancellationToken ct)
    {
        if (!(hit.MembersOnly && gated)) return Ok(hit, http);
        var owner = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Id == hit.ActorId, ct);
        return owner is null ? null : await MembersOnlyAccess.CheckAsync(http, owner, ct) ?? Ok(hit, http);
    }

    /// <summary>A 200 with these bytes and nothing else (WebFinger: one representation only).</summary>
    public static IResult Bytes(byte[] body, string contentType) => new BytesResult(body, contentType);

    /// <summary>Renders to bytes, stores them when the cache is on and nothing was written since <paramref name="generation"/>, and answers 200.</summary>
    public static IResult Store(ReadCache cache, string key, long generation, byte[] body, string contentType, long actorId, bool membersOnly, HttpContext http) =>
        Ok(cache.Set(key, generation, body, contentType, actorId, membersOnly), http);

    private sealed class BytesResult(byte[] body, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = body.Length;
            return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
