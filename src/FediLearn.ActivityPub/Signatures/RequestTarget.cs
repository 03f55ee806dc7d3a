namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// The URI pieces signatures cover, taken from the URI as written rather than as System.Uri
/// re-canonicalizes it, so that a byte the signer kept (an escape, a trailing "?") is still there.
/// </summary>
internal static class RequestTarget
{
    /// <summary>Path plus "?query" if any ("/" for an empty path), without fragment.</summary>
    public static string PathAndQuery(Uri uri) => Path(uri) + RawQuery(uri);

    public static string Path(Uri uri)
    {
        var (path, _) = Split(uri);
        return path.Length == 0 ? "/" : path;
    }

    /// <summary>The query with its leading "?", or "" when the URI has none.</summary>
    public static string RawQuery(Uri uri) => Split(uri).Query;

    /// <summary>RFC 9421 §2.2.2 "@target-uri": scheme://authority/path?query, no fragment.</summary>
    public static string TargetUri(Uri uri) => $"{uri.Scheme.ToLowerInvariant()}://{Authority(uri)}{PathAndQuery(uri)}";

    /// <summary>RFC 9421 §2.2.3 "@authority": lowercase host, port only when not the scheme default.</summary>
    public static string Authority(Uri uri) => uri.IsDefaultPort
        ? HostForHeader(uri)
        : $"{HostForHeader(uri)}:{uri.Port}";

    /// <summary>The host as it goes on the wire: punycode for IDNs, brackets for IPv6.</summary>
    public static string HostForHeader(Uri uri) => uri.HostNameType == UriHostNameType.IPv6
        ? uri.Host.ToLowerInvariant()
        : uri.IdnHost.ToLowerInvariant();

    private static (string Path, string Query) Split(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(uri));
        }

        var original = uri.OriginalString;
        var schemeEnd = original.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || original.AsSpan().IndexOfAny(' ', '\t') >= 0)
        {
            return (uri.AbsolutePath, uri.Query);
        }

        var rest = original[(schemeEnd + 3)..];
        var hash = rest.IndexOf('#');
        if (hash >= 0)
        {
            rest = rest[..hash];
        }

        var pathStart = rest.IndexOfAny(['/', '?']);
        if (pathStart < 0)
        {
            return (string.Empty, string.Empty);
        }

        var target = rest[pathStart..];
        var question = target.IndexOf('?');
        return question < 0 ? (target, string.Empty) : (target[..question], target[question..]);
    }
}
