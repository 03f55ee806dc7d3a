using System.Text;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Signatures;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// Group, member, instance and shared inboxes: size limit, JSON, signature, signer = actor, durable store, 202
/// (federation.md item 25). Processing happens later in the inbox worker.
/// </summary>
public static class InboxEndpoints
{
    public static void MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/inbox", (HttpContext http, CancellationToken ct) => ReceiveAsync(http, null, ct));
        app.MapPost("/actor/inbox", (HttpContext http, CancellationToken ct) => ReceiveAsync(http, null, ct));
        app.MapPost("/g/{name}/inbox", (string name, HttpContext http, CancellationToken ct) => ReceiveAsync(http, (ActorKind.Group, name), ct));
        app.MapPost("/u/{name}/inbox", (string name, HttpContext http, CancellationToken ct) => ReceiveAsync(http, (ActorKind.Person, name), ct));
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, (ActorKind Kind, string Name)? target, CancellationToken ct)
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<FediLearnOptions>>().Value;
        var db = services.GetRequiredService<FediLearnDbContext>();
        if (target is { } t && !await db.LocalActors.AnyAsync(a => a.Kind == t.Kind && a.Name == t.Name, ct))
            return ErrorResponses.Json(404, $"No inbox here: there is no {(t.Kind == ActorKind.Group ? "group" : "member")} named {t.Name}");

        var max = options.Federation.MaxBodyBytes;
        if (http.Request.ContentLength > max) return ErrorResponses.Json(413, $"The body is larger than {max} bytes");
        // The limit is on the body's own bytes, counted as it is read (ReadBodyAsync). Kestrel counts a chunked body's
        // framing too (a few bytes per chunk), so its limit at the same figure refused chunked bodies just under it: it is
        // the backstop, with room for the framing.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = 2L * max;
        byte[] body;
        try
        {
            body = await ReadBodyAsync(http.Request, max, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return ErrorResponses.Json(413, $"The body is larger than {max} bytes");
        }

        string text;
        Newtonsoft.Json.Linq.JObject activity;
        try { activity = ActivityJson.Parse(text = ActivityJson.DecodeUtf8(body)); }
        catch (ActivityJsonException e) { return ErrorResponses.Json(400, $"Malformed activity: {e.Message}"); }
        var actorId = ActivityJson.GetId(activity["actor"]);
        if (actorId is null || ActivityJson.GetTypes(activity).Count == 0)
            return ErrorResponses.Json(400, "An activity needs a type and an actor");
        if (IriLength.FindTooLong(activity) is { } longId)
            return ErrorResponses.Json(400, $"The activity's {longId} is longer than {IriLength.MaxBytes} bytes: this node does not store ids that long");

        // Mastodon answers 202 to the self-Delete of an actor it never knew, without fetching a key that is gone (security.md case 13).
        if (ActivityJson.HasType(activity, "Delete") && ActivityJson.GetId(activity["object"]) == actorId
            && !await db.RemoteActors.AnyAsync(a => a.Uri == actorId, ct))
            return Results.Accepted();

        var request = new SignedRequest(http.Request.Method, PublicUri(options, http.Request), Headers(http.Request), body);
        // The domain block list is checked as the activity is stored (InboxIntake), once per batch.
        var auth = await services.GetRequiredService<SignatureAuthenticator>().AuthenticateAsync(request, blocksCheckedLater: true, ct);
        if (!auth.Succeeded)
        {
            // A known actor's self-Delete signed with a key we cannot check because the actor's own document answers 410
            // Gone: its server says it is deleted, which is what the Delete says, so it is applied (as GoToSocial does; on
            // 410, not on 404, reference/signatures.md). Nobody can delete an actor whose server still serves it.
            var gone = auth.GoneDocument == actorId && ActivityJson.HasType(activity, "Delete") && ActivityJson.GetId(activity["object"]) == actorId;
            if (!gone) return ErrorResponses.Json(auth.StatusCode, auth.Error ?? "Signature verification failed");
        }
        else if (auth.SignerUri != actorId)
            return ErrorResponses.Json(401, "The signer and the actor do not match");

        var outcome = await services.GetRequiredService<InboxReceiver>().ReceiveAsync(activity, text, actorId, ct);
        return outcome == ReceiveOutcome.Blocked
            ? ErrorResponses.Json(403, "The signer's domain is blocked on this node")
            : Results.Accepted();
    }

    /// <summary>The URL as the sender saw it: our public origin, not whatever a reverse proxy passed on.</summary>
    internal static Uri PublicUri(FediLearnOptions options, HttpRequest request) =>
        new(options.BaseUrl + request.PathBase + request.Path + request.QueryString);

    internal static Dictionary<string, string> Headers(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers) headers[name] = string.Join(", ", values.ToArray());
        return headers;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength is { } length)
        {
            // Within the limit (checked before), and Kestrel holds the body to its Content-Length: one array, no copies.
            var exact = new byte[length];
            var filled = 0;
            int n;
            while (filled < exact.Length && (n = await request.Body.ReadAsync(exact.AsMemory(filled), ct)) > 0) filled += n;
            return filled == exact.Length ? exact : exact[..filled];
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw new BadHttpRequestException("too large", 413);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
