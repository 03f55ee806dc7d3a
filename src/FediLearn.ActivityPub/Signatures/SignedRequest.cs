namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// The request as the verifier sees it. <paramref name="Uri"/> is the absolute URI as the sender saw
/// it: behind a TLS proxy the public scheme and host must be restored first, or RFC 9421
/// "@target-uri" cannot match (signatures.md §2.3). Header lookups are case-insensitive; repeated
/// field lines are expected joined with ", " (RFC 9421 §2.1). <paramref name="Body"/> is the raw bytes.
/// </summary>
public sealed record SignedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[]? Body)
{
    internal string? Header(string name)
    {
        if (Headers.TryGetValue(name, out var value))
        {
            return value;
        }

        // Callers may pass an ordinal dictionary; fall back to a case-insensitive scan.
        foreach (var (key, v) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }

    internal bool HasBody => Body is { Length: > 0 };
}
