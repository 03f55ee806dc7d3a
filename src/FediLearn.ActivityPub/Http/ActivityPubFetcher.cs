using System.Net;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Fetches ActivityStreams documents so that a document is only ever what its URL says (security.md principle 2):
/// status 200, an ActivityPub media type (CVE-2024-25623), a bounded body, <c>id</c> equal to the URL requested
/// (CVE-2024-23832) and, after redirects, served from the id's origin (FEP-fe34). Use it with a client from
/// <see cref="SafeHttp.CreateClient"/>, which adds the address, redirect and size guards.
/// </summary>
public sealed class ActivityPubFetcher
{
    /// <summary>Both AP media types; Mastodon sends the same pair for background fetches (reference/federation.md §1.3).</summary>
    public const string AcceptHeader = AsConstants.ActivityJsonMediaType + ", " + AsConstants.LdJsonMediaType;

    public const string WebFingerAcceptHeader = "application/jrd+json, application/json";

    private readonly HttpClient _client;
    private readonly SafeHttpOptions _options;

    public ActivityPubFetcher(HttpClient client, SafeHttpOptions options)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <param name="configure">Adjusts the request before it is sent, e.g. Core puts the signing key into <c>request.Options</c>.</param>
    public async Task<JObject> FetchAsync(Uri uri, Action<HttpRequestMessage>? configure = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new FetchException(FetchFailure.Blocked, $"Refusing to fetch the non-http(s) URL {uri}.");

        var (document, finalUri) = await GetJsonAsync(uri, AcceptHeader, requireActivityPubType: true, configure, ct)
            .ConfigureAwait(false);

        var id = ActivityJson.GetString(document, "id");
        if (id is null || (id != uri.OriginalString && id != uri.AbsoluteUri))
            throw new FetchException(FetchFailure.IdMismatch, $"Document fetched from {uri} has id {id ?? "(none)"}.");
        if (!RedirectHandler.SameOrigin(finalUri, new Uri(id)))
            throw new FetchException(FetchFailure.IdMismatch, $"Document {id} was served from another origin ({finalUri}).");
        return document;
    }

    /// <summary>
    /// Resolves <c>acct:user@host</c> (RFC 7033; Mastodon <c>app/lib/webfinger.rb</c>) to the actor's <c>rel=self</c> link.
    /// Over https; over http as well only when private addresses are allowed (local development and tests).
    /// </summary>
    public async Task<WebFingerResult> WebFingerAsync(string user, string host, CancellationToken ct = default)
    {
        ValidateAcct(user, host);
        var query = "/.well-known/webfinger?resource=" + Uri.EscapeDataString($"acct:{user}@{host}");
        try
        {
            return await WebFingerOnceAsync(new Uri("https://" + host + query), ct).ConfigureAwait(false);
        }
        catch (FetchException ex) when (ex.Failure == FetchFailure.Network && _options.AllowPrivateAddresses
                                        && !ct.IsCancellationRequested)
        {
            return await WebFingerOnceAsync(new Uri("http://" + host + query), ct).ConfigureAwait(false);
        }
    }

    private async Task<WebFingerResult> WebFingerOnceAsync(Uri uri, CancellationToken ct)
    {
        var (jrd, _) = await GetJsonAsync(uri, WebFingerAcceptHeader, requireActivityPubType: false, configure: null, ct)
            .ConfigureAwait(false);
        var subject = ActivityJson.GetString(jrd, "subject");
        if (string.IsNullOrEmpty(subject))
            throw new FetchException(FetchFailure.Malformed, $"WebFinger answer from {uri} has no subject.");

        // The first matching self link wins, as in Mastodon (two self links broke its search, mastodon#18741).
        foreach (var link in (jrd["links"] as JArray)?.OfType<JObject>() ?? [])
        {
            if (ActivityJson.GetString(link, "rel") == "self"
                && ActivityJson.IsActivityPubContentType(ActivityJson.GetString(link, "type"))
                && Uri.TryCreate(ActivityJson.GetString(link, "href"), UriKind.Absolute, out var href)
                && (href.Scheme == Uri.UriSchemeHttps || href.Scheme == Uri.UriSchemeHttp))
                return new WebFingerResult(subject, href);
        }
        throw new FetchException(FetchFailure.NotActivityPub, $"WebFinger answer from {uri} has no ActivityPub self link.");
    }

    private async Task<(JObject Document, Uri FinalUri)> GetJsonAsync(Uri uri, string accept, bool requireActivityPubType,
        Action<HttpRequestMessage>? configure, CancellationToken ct)
    {
        // HttpClient.Timeout stops at the headers when streaming; this deadline also covers the body.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        configure?.Invoke(request);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token)
                .ConfigureAwait(false);
            ThrowOnStatus(response, uri);
            var contentType = response.Content.Headers.ContentType?.ToString();
            if (requireActivityPubType && !ActivityJson.IsActivityPubContentType(contentType))
                throw new FetchException(FetchFailure.NotActivityPub, $"{uri} answered with Content-Type {contentType ?? "(none)"}.", 200);
            var finalUri = response.RequestMessage?.RequestUri ?? uri;
            var body = await BoundedContent.ReadAsync(response, _options.MaxResponseBytes, deadline.Token).ConfigureAwait(false);
            return (ActivityJson.Parse(body), finalUri);
        }
        catch (BlockedAddressException ex)
        {
            throw new FetchException(FetchFailure.Blocked, ex.Message, innerException: ex);
        }
        catch (ResponseTooLargeException ex)
        {
            throw new FetchException(FetchFailure.TooLarge, ex.Message, innerException: ex);
        }
        catch (ActivityJsonException ex)
        {
            throw new FetchException(FetchFailure.Malformed, $"{uri}: {ex.Message}", innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new FetchException(FetchFailure.Network, $"{uri}: {ex.Message}", (int?)ex.StatusCode, ex);
        }
        catch (IOException ex)
        {
            throw new FetchException(FetchFailure.Network, $"{uri}: {ex.Message}", innerException: ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new FetchException(FetchFailure.Network, $"{uri}: timed out after {_options.RequestTimeout}.", innerException: ex);
        }
    }

    private static void ThrowOnStatus(HttpResponseMessage response, Uri uri)
    {
        var status = (int)response.StatusCode;
        var failure = response.StatusCode switch
        {
            HttpStatusCode.OK => (FetchFailure?)null,
            HttpStatusCode.NotFound => FetchFailure.NotFound,
            HttpStatusCode.Gone => FetchFailure.Gone,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => FetchFailure.Unauthorized,
            _ => FetchFailure.HttpError,
        };
        if (failure is { } f)
            throw new FetchException(f, $"{uri} answered {status}.", status);
    }

    private static void ValidateAcct(string user, string host)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(host);
        static bool Clean(string s) => s.Length > 0 && !s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '/' or '?' or '#' or '\\' or '%');
        if (!Clean(user))
            throw new FetchException(FetchFailure.Malformed, $"Invalid WebFinger user '{user}'.");
        // The host is taken as given; "repairing" it (CVE-2023-42451) could turn it into someone else's domain.
        if (!Clean(host) || !Uri.TryCreate("https://" + host + "/", UriKind.Absolute, out var parsed)
            || parsed.UserInfo.Length > 0 || parsed.AbsolutePath != "/" || Uri.CheckHostName(parsed.Host) == UriHostNameType.Unknown)
            throw new FetchException(FetchFailure.Malformed, $"Invalid WebFinger host '{host}'.");
    }
}
