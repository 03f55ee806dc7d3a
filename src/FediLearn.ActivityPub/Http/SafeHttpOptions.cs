namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Limits for every outbound request (security.md principles 3 and 4; Mastodon <c>app/lib/request.rb</c>).
/// SafeHttp reads them when it builds a transport or client; later changes do not reach existing ones.
/// </summary>
public sealed class SafeHttpOptions
{
    /// <summary>False = only public unicast addresses. True = loopback as well (127.0.0.0/8, ::1), for development and tests
    /// on 127.0.0.1; private and other special-use ranges stay refused either way.</summary>
    public bool AllowPrivateAddresses { get; set; }

    public int MaxRedirects { get; set; } = 3;

    /// <summary>Counted after decompression, so a gzip bomb is cut off too.</summary>
    public long MaxResponseBytes { get; set; } = 1024 * 1024;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole request, body included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string UserAgent { get; set; } = "FediLearn/0.1";
}
