using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// Remote follow from a group's or member's page: the visitor names their account, their server tells us (WebFinger,
/// RFC 7033) where its follow dialog is (the OStatus subscribe template Mastodon publishes, <c>authorize_interaction?uri={uri}</c>),
/// and we redirect there with our handle. Only redirects: nothing is stored, so GET is fine. Problems re-render the page
/// with 400 and the reason beside the field; never a 500.
/// </summary>
public static class FollowEndpoints
{
    private const string SubscribeRel = "http://ostatus.org/schema/1.0/subscribe";
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(10);

    public static void MapFollowEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/g/{name}/follow", (string name, string? handle, HttpContext http, FediLearnDbContext db, ActorUrls urls, FederationHttp fed, CancellationToken ct) =>
            FollowAsync(ActorKind.Group, name, handle, http, db, urls, fed, ct));
        app.MapGet("/u/{name}/follow", (string name, string? handle, HttpContext http, FediLearnDbContext db, ActorUrls urls, FederationHttp fed, CancellationToken ct) =>
            FollowAsync(ActorKind.Person, name, handle, http, db, urls, fed, ct));
    }

    private static async Task<IResult> FollowAsync(ActorKind kind, string name, string? handle, HttpContext http,
        FediLearnDbContext db, ActorUrls urls, FederationHttp fed, CancellationToken ct)
    {
        var actor = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == kind && a.Name == name, ct);
        if (actor is null) return ActorEndpoints.NotFound(http, kind == ActorKind.Group ? $"No group named {name} on this node" : $"No member named {name} on this node");

        var (user, host, problem) = Parse(handle);
        if (problem is not null) return await ActorEndpoints.PageAsync(actor, http, db, urls, new FollowFormState(handle, problem), ct);

        var target = urls.Handle(actor).TrimStart('@');
        var (redirect, error) = await LookupAsync(fed, user!, host!, target, urls.Actor(actor), ct);
        return redirect is not null
            ? Results.Redirect(redirect)
            : await ActorEndpoints.PageAsync(actor, http, db, urls, new FollowFormState(handle, error), ct);
    }

    /// <summary>Accepts "@you@your.server", "you@your.server" and "acct:you@your.server".</summary>
    internal static (string? User, string? Host, string? Problem) Parse(string? handle)
    {
        var value = (handle ?? "").Trim();
        if (value.Length == 0) return (null, null, "Enter your fediverse handle, for example @you@your.server.");
        if (value.StartsWith("acct:", StringComparison.OrdinalIgnoreCase)) value = value[5..];
        var parts = value.TrimStart('@').Split('@');
        static bool Clean(string s) => s.Length > 0 && !s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '?' or '#' or '\\' or '%');
        if (value.Length > 300 || parts.Length != 2 || !Clean(parts[0]) || parts[0].Contains(':') || !Clean(parts[1]))
            return (null, null, "That is not a fediverse handle. Write it as @you@your.server (your name, then your server's address).");
        if (!Uri.TryCreate("https://" + parts[1] + "/", UriKind.Absolute, out var parsed) || parsed.UserInfo.Length > 0
            || parsed.AbsolutePath != "/" || Uri.CheckHostName(parsed.Host) == UriHostNameType.Unknown)
            return (null, null, $"\"{parts[1]}\" is not a server address. Write your handle as @you@your.server.");
        return (parts[0], parts[1], null);
    }

    /// <summary>
    /// WebFinger over https; over http as well only when the node allows private addresses (development and tests),
    /// as <see cref="ActivityPubFetcher.WebFingerAsync"/> does. Returns the redirect, or the message for the visitor.
    /// </summary>
    private static async Task<(string? Redirect, string? Error)> LookupAsync(FederationHttp fed, string user, string host, string target, string actorUrl, CancellationToken ct)
    {
        var account = $"{user}@{host}";
        var query = "/.well-known/webfinger?resource=" + Uri.EscapeDataString("acct:" + account);
        FetchException? failure = null;
        foreach (var scheme in fed.SafeOptions.AllowPrivateAddresses ? new[] { "https", "http" } : ["https"])
        {
            try
            {
                var jrd = await GetJrdAsync(fed, new Uri($"{scheme}://{host}{query}"), ct);
                if (Template(jrd) is { } template)
                {
                    var url = template.Replace("{uri}", Uri.EscapeDataString(target), StringComparison.Ordinal);
                    if (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp))
                        return (u.AbsoluteUri, null);
                }
                // No usable template: Mastodon's own dialog, but only for a server that answered with an ActivityPub actor.
                if (HasActivityPubSelf(jrd))
                    return ($"{scheme}://{host}/authorize_interaction?uri={Uri.EscapeDataString(actorUrl)}", null);
                return (null, $"{host} knows {account} but does not say how to follow from it. Search for @{target} in your fediverse app instead.");
            }
            catch (FetchException ex)
            {
                failure = ex;
                if (ex.Failure != FetchFailure.Network || ct.IsCancellationRequested) break;
            }
        }
        return (null, failure?.Failure switch
        {
            FetchFailure.Blocked => $"{host} is a private network address; this node does not contact it. Use the handle of an account on a public server.",
            FetchFailure.NotFound or FetchFailure.Gone => $"{host} does not know the account {account}. Check the spelling of your handle.",
            FetchFailure.Network => $"Could not reach {host}. Check your server's address, or try again later.",
            _ => $"{host} did not answer the way a fediverse server does. Check your handle, or search for @{target} in your fediverse app instead.",
        });
    }

    private static async Task<JObject> GetJrdAsync(FederationHttp fed, Uri uri, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(LookupTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", ActivityPubFetcher.WebFingerAcceptHeader);
        try
        {
            using var response = await fed.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            if (status is 404 or 410) throw new FetchException(FetchFailure.NotFound, $"{uri} answered {status}.", status);
            if (status != 200) throw new FetchException(FetchFailure.HttpError, $"{uri} answered {status}.", status);
            var body = await BoundedContent.ReadAsync(response, Math.Min(fed.SafeOptions.MaxResponseBytes, 256 * 1024), deadline.Token);
            return ActivityJson.Parse(body);
        }
        catch (BlockedAddressException ex) { throw new FetchException(FetchFailure.Blocked, ex.Message, innerException: ex); }
        catch (ActivityJsonException ex) { throw new FetchException(FetchFailure.Malformed, ex.Message, innerException: ex); }
        catch (ResponseTooLargeException ex) { throw new FetchException(FetchFailure.TooLarge, ex.Message, innerException: ex); }
        catch (HttpRequestException ex) when (ex.InnerException is BlockedAddressException blocked) { throw new FetchException(FetchFailure.Blocked, blocked.Message, innerException: ex); }
        catch (HttpRequestException ex) { throw new FetchException(FetchFailure.Network, ex.Message, innerException: ex); }
        catch (IOException ex) { throw new FetchException(FetchFailure.Network, ex.Message, innerException: ex); }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested) { throw new FetchException(FetchFailure.Network, "timed out", innerException: ex); }
    }

    private static IEnumerable<JObject> Links(JObject jrd) => (jrd["links"] as JArray)?.OfType<JObject>() ?? [];

    private static string? Template(JObject jrd) => Links(jrd)
        .Where(l => ActivityJson.GetString(l, "rel") == SubscribeRel)
        .Select(l => ActivityJson.GetString(l, "template"))
        .FirstOrDefault(t => t is not null && t.Contains("{uri}", StringComparison.Ordinal));

    private static bool HasActivityPubSelf(JObject jrd) => Links(jrd).Any(l =>
        ActivityJson.GetString(l, "rel") == "self"
        && ActivityJson.IsActivityPubContentType(ActivityJson.GetString(l, "type"))
        && Uri.TryCreate(ActivityJson.GetString(l, "href"), UriKind.Absolute, out _));
}
