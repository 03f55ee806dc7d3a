using System.Net;
using System.Runtime.ExceptionServices;

namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Follows redirects itself (the transport has AllowAutoRedirect=false) so that every hop goes through the inner
/// handlers again — a signing handler signs each hop for its own host and path — and through the connect-time address
/// check. Limits: GET/HEAD only, http/https only, at most <see cref="SafeHttpOptions.MaxRedirects"/> hops
/// (security.md case 27; Mastodon follows at most 3).
/// </summary>
public sealed class RedirectHandler : DelegatingHandler
{
    private readonly int _maxRedirects;

    public RedirectHandler(SafeHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxRedirects = options.MaxRedirects;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new HttpRequestException("The request has no URI.");
        EnsureHttpScheme(uri);
        LimitToTcp(request);

        // Headers are captured before the first hop: handlers below may add per-hop headers (Date, Digest, Signature)
        // that must not be carried to the next hop.
        var follow = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
        // Only a request that may be redirected needs its headers kept for the next hop (not every delivery POST).
        var headers = follow ? request.Headers.Select(h => (h.Key, Values: h.Value.ToArray())).ToList() : [];

        var hop = request;
        for (var redirects = 0; ; redirects++)
        {
            var response = await SendUnwrappedAsync(hop, cancellationToken).ConfigureAwait(false);
            if (!follow || !IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
            {
                response.RequestMessage ??= hop;
                return response;
            }
            response.Dispose();

            if (redirects >= _maxRedirects)
                throw new HttpRequestException($"too many redirects (more than {_maxRedirects}) starting at {uri}");
            var next = location.IsAbsoluteUri ? location : new Uri(hop.RequestUri!, location);
            EnsureHttpScheme(next);
            hop = NextHop(request, hop, next, headers);
        }
    }

    private async Task<HttpResponseMessage> SendUnwrappedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (FindBlocked(ex) is { } blocked && !ReferenceEquals(blocked, ex))
        {
            // SocketsHttpHandler wraps ConnectCallback failures; callers should see the refusal itself.
            ExceptionDispatchInfo.Throw(blocked);
            throw;
        }
    }

    private static BlockedAddressException? FindBlocked(Exception? ex)
    {
        for (var depth = 0; ex is not null && depth < 8; depth++, ex = ex.InnerException)
        {
            if (ex is BlockedAddressException blocked)
                return blocked;
        }
        return null;
    }

    private static HttpRequestMessage NextHop(HttpRequestMessage original, HttpRequestMessage previous, Uri next,
        List<(string Key, string[] Values)> headers)
    {
        var sameOrigin = SameOrigin(previous.RequestUri!, next);
        var hop = new HttpRequestMessage(original.Method, next)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        foreach (var (key, values) in headers)
        {
            // Credentials meant for one origin are not handed to another.
            if (!sameOrigin && (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                                || key.Equals("Cookie", StringComparison.OrdinalIgnoreCase)))
                continue;
            hop.Headers.TryAddWithoutValidation(key, values);
        }
        LimitToTcp(hop);
        var options = (IDictionary<string, object?>)hop.Options;
        foreach (var option in original.Options)
            options[option.Key] = option.Value;
        return hop;
    }

    /// <summary>HTTP/3 runs over QUIC, which does not go through the ConnectCallback and its address check.</summary>
    private static void LimitToTcp(HttpRequestMessage request)
    {
        if (request.Version >= HttpVersion.Version30 || request.VersionPolicy == HttpVersionPolicy.RequestVersionOrHigher)
        {
            if (request.Version >= HttpVersion.Version30)
                request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static void EnsureHttpScheme(Uri uri)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new HttpRequestException($"Refusing the non-http(s) URL {uri}.");
    }

    internal static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
