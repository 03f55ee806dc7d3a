using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web;

/// <summary>
/// Secure mode (<c>FediLearn:AuthorizedFetch</c>, Mastodon's AUTHORIZED_FETCH; reference/federation.md §6). Every GET
/// asking for ActivityPub JSON, and every GET of a route that answers nothing else (collections, activities: whatever
/// the Accept, <see cref="Negotiation.ActivityJsonOnly"/>), must carry a valid signature (draft-cavage or RFC 9421) from
/// a server that is not blocked: unsigned → 401, blocked → 403, with a JSON error. Left open, so that other servers can
/// verify our signatures and find us without a key-fetch loop: the instance actor, discovery documents (WebFinger,
/// host-meta, NodeInfo) and a key-only view of each actor (Mastodon's restricted fields). HTML pages (an actor's or an
/// item's URL asked for by a browser) and the JSON API are not ActivityPub and are not affected. The verified signer is
/// kept in <see cref="SignerOf"/> for endpoints that decide per server.
/// </summary>
public static class AuthorizedFetch
{
    private const string SignerItem = "FediLearn.SignedBy";
    private const string KeyOnlyItem = "FediLearn.KeyOnly";
    private static readonly string[] OpenPrefixes = ["/.well-known/", "/nodeinfo/", "/api/", "/media/"];
    /// <summary>What an unsigned request sees of an actor: enough to verify its signatures and reach its inbox.</summary>
    private static readonly HashSet<string> KeyFields = ["@context", "id", "type", "preferredUsername", "inbox", "outbox", "publicKey", "assertionMethod", "endpoints", "url", "manuallyApprovesFollowers"];

    public static IApplicationBuilder UseAuthorizedFetch(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var options = context.RequestServices.GetRequiredService<IOptions<FediLearnOptions>>().Value;
        if (!options.AuthorizedFetch || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || !Negotiation.AnswersActivityJson(context) || IsOpen(request.Path))
        {
            await next(context);
            return;
        }

        // Caches must not hand a signed answer to an unsigned request, or one server's answer to another.
        context.Response.OnStarting(() =>
        {
            // Added to what the answer varies on already: a members-only group's answer also varies on Cookie (MembersOnlyAccess),
            // and that callback, registered later, runs first.
            var vary = context.Response.Headers.Vary.ToString();
            var tokens = vary.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var token in (string[])["Accept", "Signature", "Signature-Input"])
                if (!tokens.Contains(token, StringComparer.OrdinalIgnoreCase)) tokens.Add(token);
            context.Response.Headers.Vary = string.Join(", ", tokens);
            context.Response.Headers.CacheControl = "private, no-store";
            return Task.CompletedTask;
        });

        var signed = IsSigned(request);
        if (!signed && IsActorPath(request.Path))
        {
            context.Items[KeyOnlyItem] = true;
            await next(context);
            return;
        }
        if (!signed)
        {
            await WriteAsync(context, 401, "This node requires signed requests (authorized fetch): sign the GET with your server's key.");
            return;
        }

        var auth = await VerifyAsync(context);
        if (!auth.Succeeded)
        {
            await WriteAsync(context, auth.StatusCode, auth.Error ?? "Signature verification failed");
            return;
        }
        context.Items[SignerItem] = auth.Signer;
        await next(context);
    });

    /// <summary>The remote actor whose signature this GET carried, when secure mode verified one.</summary>
    public static RemoteActor? SignerOf(HttpContext context) => context.Items.TryGetValue(SignerItem, out var s) ? s as RemoteActor : null;

    /// <summary>
    /// The server that signed this GET: the one secure mode verified, else the request's own signature checked now
    /// (members-only content asks for one whatever the node's setting). Null when unsigned or not verifiable.
    /// </summary>
    public static async Task<RemoteActor?> VerifiedSignerAsync(HttpContext context)
    {
        if (SignerOf(context) is { } known) return known;
        if (!IsSigned(context.Request)) return null;
        var auth = await VerifyAsync(context);
        if (!auth.Succeeded) return null;
        context.Items[SignerItem] = auth.Signer;
        return auth.Signer;
    }

    /// <summary>The request carries an HTTP signature header of either kind (draft-cavage or RFC 9421); not yet verified.</summary>
    public static bool IsSigned(HttpRequest request) =>
        request.Headers.ContainsKey("Signature") || request.Headers.ContainsKey("Signature-Input");

    private static Task<AuthenticationResult> VerifyAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<FediLearnOptions>>().Value;
        var signed = new SignedRequest(context.Request.Method, Endpoints.InboxEndpoints.PublicUri(options, context.Request), Endpoints.InboxEndpoints.Headers(context.Request), []);
        return context.RequestServices.GetRequiredService<SignatureAuthenticator>().AuthenticateAsync(signed, context.RequestAborted);
    }

    /// <summary>This request gets the key-only view of an actor (secure mode, unsigned): a different document, cached apart.</summary>
    public static bool IsKeyOnly(HttpContext context) => context.Items.ContainsKey(KeyOnlyItem);

    /// <summary>An actor document as an unsigned request may see it in secure mode; unchanged otherwise.</summary>
    public static JObject ForRequest(JObject actor, HttpContext context)
    {
        if (!context.Items.ContainsKey(KeyOnlyItem)) return actor;
        foreach (var property in actor.Properties().Where(p => !KeyFields.Contains(p.Name)).ToList()) property.Remove();
        return actor;
    }

    private static bool IsOpen(PathString path) =>
        path == "/actor" || path == "/" || OpenPrefixes.Any(p => path.StartsWithSegments(p.TrimEnd('/')));

    private static bool IsActorPath(PathString path)
    {
        var segments = path.Value?.Trim('/').Split('/') ?? [];
        // In any case, as the routes match them (/G/rust is the group).
        return segments.Length == 2 && segments[0] is "g" or "u" or "G" or "U";
    }

    private static async Task WriteAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error });
    }
}
