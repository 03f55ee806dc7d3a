using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using FediLearn.Core.Options;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FediLearn.Web;

/// <summary>
/// Per-sender budgets (security.md principle 8; FediLearn:RateLimits in docs/configuration.md): inbox POSTs and
/// ActivityPub GETs per remote host and client address, JSON API calls per token, logins per address. Over budget: 429
/// with Retry-After and a JSON error; a well-behaved server retries later, and one busy host never uses up another's
/// budget, nor can a forger naming its key.
/// </summary>
public static partial class RateLimits
{
    public static IServiceCollection AddFediLearnRateLimits(this IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var options = context.RequestServices.GetRequiredService<IOptions<FediLearnOptions>>().Value.RateLimits;
            var (key, perMinute) = Classify(context.Request, options);
            return key is null || perMinute <= 0
                ? RateLimitPartition.GetNoLimiter("none")
                : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
        });
        limiter.OnRejected = async (rejected, ct) =>
        {
            var response = rejected.HttpContext.Response;
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 60;
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await response.WriteAsJsonAsync(new { error = $"Too many requests from you; try again in {retryAfter} s." }, ct);
        };
    });

    /// <summary>Which budget a request draws on, and its size; (null, 0) for requests that are not limited.</summary>
    internal static (string? Key, int PerMinute) Classify(HttpRequest request, RateLimitOptions options)
    {
        var path = request.Path.Value ?? "";
        if (HttpMethods.IsPost(request.Method) && (path == "/inbox" || path.EndsWith("/inbox", StringComparison.Ordinal)))
            return ("inbox:" + Sender(request), options.InboxPerHostPerMinute);
        if (path.StartsWith("/api/", StringComparison.Ordinal))
            return ("api:" + Token(request), options.ApiPerTokenPerMinute);
        if (HttpMethods.IsPost(request.Method) && path.Equals("/login", StringComparison.OrdinalIgnoreCase))
            return ("login:" + Address(request), options.LoginPerAddressPerMinute);
        if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && Negotiation.AnswersActivityJson(request.HttpContext))
            return ("fetch:" + Sender(request), options.FetchPerHostPerMinute);
        return (null, 0);
    }

    /// <summary>
    /// The host:port of the signing key (draft-cavage keyId or RFC 9421 keyid) with the client address, else the client
    /// address alone. The key is not verified yet (the limit runs first, to keep floods cheap), so the host alone would
    /// let anyone spend a server's budget by naming its keyId; with the address, a forger spends only its own address's,
    /// and a server's real deliveries, coming from its own addresses, keep theirs.
    /// </summary>
    private static string Sender(HttpRequest request)
    {
        var header = request.Headers["Signature"].ToString();
        var match = CavageKeyId().Match(header);
        if (!match.Success) match = Rfc9421KeyId().Match(request.Headers["Signature-Input"].ToString());
        return match.Success && Uri.TryCreate(match.Groups[1].Value, UriKind.Absolute, out var key)
            ? key.Authority.ToLowerInvariant() + "|" + Address(request)
            : Address(request);
    }

    /// <summary>A hash of the bearer token (never the token itself in memory keys), else the client address.</summary>
    private static string Token(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(auth[7..].Trim())))[..16]
            : Address(request);
    }

    /// <summary>The client's address: behind a trusted reverse proxy, the visitor's (UseForwardedHeaders, OperationsEndpoints).</summary>
    private static string Address(HttpRequest request) => request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    [GeneratedRegex("keyId=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex CavageKeyId();

    [GeneratedRegex("keyid=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex Rfc9421KeyId();
}
