using System.Globalization;
using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Inbound draft-cavage-http-signatures-12 as Mastodon accepts it (signatures.md §1.1–1.2): rsa-sha256
/// and hs2019 only, minimum coverage, Digest over the raw body, the §1.2 time window, and
/// (request-target) accepted with and without the query.
/// </summary>
internal static class DraftCavageVerifier
{
    private static readonly string[] HttpDateFormats =
    [
        "r", // RFC 1123, what everyone sends (RFC 9110 §5.6.7 IMF-fixdate)
        "dddd, dd'-'MMM'-'yy HH':'mm':'ss 'GMT'", // RFC 850, obsolete but still "HTTP-date"
        "ddd MMM d HH':'mm':'ss yyyy", // asctime
    ];

    public static SignatureInspection Inspect(SignedRequest request, string header, DateTimeOffset now, SignatureRequirements requirements)
    {
        var parameters = CavageSignatureHeader.Parse(header);
        if (parameters is null)
        {
            return SignatureInspection.Unauthorized("Error parsing signature parameters");
        }

        if (!parameters.TryGetValue("keyId", out var keyId) || string.IsNullOrWhiteSpace(keyId)
            || !parameters.TryGetValue("signature", out var signatureText) || string.IsNullOrWhiteSpace(signatureText))
        {
            return SignatureInspection.Unauthorized("Incompatible request signature. keyId and signature are required");
        }

        // signatures.md §1.1: the algorithm defaults to hs2019; hmac-sha256 and the rest are refused.
        var algorithm = parameters.TryGetValue("algorithm", out var a) ? a.ToLowerInvariant() : "hs2019";
        if (algorithm is not ("rsa-sha256" or "hs2019"))
        {
            return SignatureInspection.Unauthorized($"Unsupported signature algorithm: {algorithm}");
        }

        var covered = parameters.TryGetValue("headers", out var list)
            ? list.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(h => h.ToLowerInvariant()).ToList()
            : [algorithm == "hs2019" ? "(created)" : "date"];
        if (covered.Count == 0)
        {
            return SignatureInspection.Unauthorized("The signature covers no headers");
        }

        // draft-cavage-12 §2.3: (created) and (expires) are only defined for hs2019.
        if (algorithm != "hs2019" && covered.FirstOrDefault(h => h is "(created)" or "(expires)") is { } pseudo)
        {
            return SignatureInspection.Unauthorized($"Invalid pseudo-header {pseudo} for {algorithm}");
        }

        if (requirements.EnforceCoverage && CoverageError(request, covered) is { } coverageError)
        {
            return SignatureInspection.Unauthorized(coverageError);
        }

        if (covered.Contains("digest") && BodyDigest.CheckDigest(request.Header("Digest"), request.Body) is { } digestError)
        {
            return SignatureInspection.Unauthorized(digestError);
        }

        if (TimeError(request, parameters, covered, now) is { } timeError)
        {
            return SignatureInspection.Unauthorized(timeError);
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText.Trim());
        }
        catch (FormatException)
        {
            return SignatureInspection.Unauthorized("The signature is not valid base64");
        }

        var inputs = new List<string>();
        var pathAndQuery = RequestTarget.PathAndQuery(request.Uri);
        var withQuery = BuildSigningString(request.Method, pathAndQuery, covered, request.Header, parameters, request.Uri, out var missing);
        if (withQuery is null)
        {
            return SignatureInspection.Unauthorized($"Missing signed header: {missing}");
        }

        inputs.Add(withQuery);
        // Mastodon compatibility (signatures.md §1.1): some senders sign (request-target) without the query.
        var path = RequestTarget.Path(request.Uri);
        if (covered.Contains("(request-target)") && path != pathAndQuery)
        {
            inputs.Add(BuildSigningString(request.Method, path, covered, request.Header, parameters, request.Uri, out _)!);
        }

        return SignatureInspection.Ok(new SignatureCheck(SignatureScheme.DraftCavage, keyId, inputs, signature, key => AlgorithmsFor(algorithm, key)));
    }

    /// <summary>
    /// draft-cavage-12 §2.3: one "name: value" line per covered header, lowercased name, joined by "\n".
    /// Returns null (and the header name) when a covered header is absent.
    /// </summary>
    internal static string? BuildSigningString(
        string method,
        string pathAndQuery,
        IReadOnlyList<string> covered,
        Func<string, string?> header,
        IReadOnlyDictionary<string, string> parameters,
        Uri? uri,
        out string? missing)
    {
        var lines = new List<string>(covered.Count);
        missing = null;
        foreach (var name in covered)
        {
            var value = name switch
            {
                "(request-target)" => $"{method.ToLowerInvariant()} {pathAndQuery}",
                "(created)" => parameters.GetValueOrDefault("created"),
                "(expires)" => parameters.GetValueOrDefault("expires"),
                // HTTP/2 carries the host as :authority; fall back to the URI the server reconstructed.
                "host" => header("Host") ?? (uri is null ? null : RequestTarget.Authority(uri)),
                _ => header(name),
            };
            if (value is null)
            {
                missing = name;
                return null;
            }

            lines.Add($"{name}: {value.Trim()}");
        }

        return string.Join('\n', lines);
    }

    /// <summary>Minimum coverage, Mastodon's verify_signature_strength! (signatures.md §1.1).</summary>
    private static string? CoverageError(SignedRequest request, List<string> covered)
    {
        if (!covered.Contains("date") && !covered.Contains("(created)"))
        {
            return "The Date header or (created) pseudo-header must be signed";
        }

        if (!covered.Contains("(request-target)") && !covered.Contains("digest"))
        {
            return "The Digest header or (request-target) pseudo-header must be signed";
        }

        var method = request.Method.ToUpperInvariant();
        if (method == "GET" && !covered.Contains("host"))
        {
            return "The Host header must be signed when doing a GET request";
        }

        if ((method == "POST" || request.HasBody) && !covered.Contains("digest"))
        {
            return "The Digest header must be signed when doing a POST request";
        }

        return null;
    }

    /// <summary>
    /// created = (created), else Date; expires = (expires) (signatures.md §1.2). Unlike Mastodon, the
    /// parameters count only when covered: an uncovered created= could be rewritten to replay an old request.
    /// (created)/(expires) are only allowed under hs2019, which was checked before.
    /// </summary>
    private static string? TimeError(SignedRequest request, Dictionary<string, string> parameters, List<string> covered, DateTimeOffset now)
    {
        DateTimeOffset created;
        DateTimeOffset? expires = null;
        if (covered.Contains("(created)"))
        {
            var createdText = parameters.GetValueOrDefault("created") ?? string.Empty;
            if (!long.TryParse(createdText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                || TimeWindow.FromUnixSeconds(seconds) is not { } c)
            {
                return $"Invalid (created) value: {createdText}";
            }

            created = c;
        }
        else if (request.Header("Date") is { } date)
        {
            if (!TryParseHttpDate(date, out created))
            {
                return $"Invalid Date header: not RFC 2616 compliant date: \"{date}\"";
            }
        }
        else
        {
            return "Signed request date missing: neither a Date header nor (created)";
        }

        if (covered.Contains("(expires)"))
        {
            var expiresText = parameters.GetValueOrDefault("expires") ?? string.Empty;
            if (!long.TryParse(expiresText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                || TimeWindow.FromUnixSeconds(seconds) is not { } e)
            {
                return $"Invalid (expires) value: {expiresText}";
            }

            expires = e;
        }

        return TimeWindow.Check(created, expires, now);
    }

    internal static bool TryParseHttpDate(string value, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(
            value.Trim(),
            HttpDateFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite,
            out date);

    /// <summary>
    /// rsa-sha256 is RSASSA-PKCS1-v1_5/SHA-256. hs2019 takes its primitive from the key
    /// (draft-cavage-12 §2.1.3): PKCS#1 SHA-256 for RSA as Mastodon and SWICG do, Ed25519 for Ed25519 keys.
    /// </summary>
    private static IReadOnlyList<SignatureAlgorithm> AlgorithmsFor(string algorithm, KeyAlgorithm key) => (algorithm, key) switch
    {
        (_, KeyAlgorithm.Rsa) => [SignatureAlgorithm.RsaPkcs1Sha256],
        ("hs2019", KeyAlgorithm.Ed25519) => [SignatureAlgorithm.Ed25519],
        ("hs2019", KeyAlgorithm.EcdsaP256) => [SignatureAlgorithm.EcdsaP256Sha256Der, SignatureAlgorithm.EcdsaP256Sha256],
        _ => [],
    };
}
