using System.Globalization;
using System.Text;
using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Inbound RFC 9421 HTTP Message Signatures with the rules Mastodon 4.4+ applies (signatures.md §2.1):
/// the first label only, keyid and created required, @method and @target-uri covered, content-digest
/// covered on POST, Content-Digest (RFC 9530) checked over the raw body, §1.2 time window.
/// </summary>
internal static class Rfc9421Verifier
{
    /// <summary>RFC 9421 §6.2.2 names we accept (federation.md item 21); hmac-sha256 only for vectors.</summary>
    private static readonly Dictionary<string, (KeyAlgorithm Key, SignatureAlgorithm Primitive)> Algorithms = new()
    {
        ["rsa-v1_5-sha256"] = (KeyAlgorithm.Rsa, SignatureAlgorithm.RsaPkcs1Sha256),
        ["rsa-pss-sha512"] = (KeyAlgorithm.Rsa, SignatureAlgorithm.RsaPssSha512),
        ["ecdsa-p256-sha256"] = (KeyAlgorithm.EcdsaP256, SignatureAlgorithm.EcdsaP256Sha256),
        ["ed25519"] = (KeyAlgorithm.Ed25519, SignatureAlgorithm.Ed25519),
        ["hmac-sha256"] = (KeyAlgorithm.Hmac, SignatureAlgorithm.HmacSha256),
    };

    public static SignatureInspection Inspect(
        SignedRequest request,
        string signatureInputHeader,
        DateTimeOffset now,
        SignatureRequirements requirements,
        int? responseStatus)
    {
        IReadOnlyList<SfMember> inputs;
        IReadOnlyList<SfMember> signatures;
        try
        {
            inputs = StructuredFields.ParseDictionary(signatureInputHeader);
            signatures = StructuredFields.ParseDictionary(request.Header("Signature") ?? string.Empty);
        }
        catch (FormatException e)
        {
            return SignatureInspection.Unauthorized($"Signature-Input or Signature could not be parsed: {e.Message}");
        }

        // Mastodon verifies exactly one signature; with several labels we take the first.
        if (inputs.Count == 0 || inputs[0].Value is not SfInnerList covered)
        {
            return SignatureInspection.Unauthorized("Signature-Input has no signature");
        }

        var label = inputs[0].Key;
        if (signatures.FirstOrDefault(s => s.Key == label)?.Value is not SfItem { Value: byte[] signature })
        {
            return SignatureInspection.Unauthorized($"Signature has no byte sequence for label {label}");
        }

        var parameters = covered.Parameters;
        if (StructuredFields.Parameter(parameters, "keyid") is not string keyId || keyId.Length == 0)
        {
            return SignatureInspection.Unauthorized("Incompatible request signature. keyid is required");
        }

        var components = new List<string>();
        foreach (var item in covered.Items)
        {
            // Component parameters (;sf, ;key, ;bs, ;req, ;name) change the value's derivation; no
            // fediverse signer uses them, so refuse rather than build a base the signer did not.
            if (item.Value is not string name || item.Parameters.Count > 0)
            {
                return SignatureInspection.Unauthorized("Unsupported component identifier in Signature-Input");
            }

            if (components.Contains(name))
            {
                return SignatureInspection.Unauthorized($"Component {name} is covered twice");
            }

            components.Add(name);
        }

        var alg = StructuredFields.Parameter(parameters, "alg");
        if (alg is not null && !(alg is string algName && Algorithms.ContainsKey(algName)
            && (algName != "hmac-sha256" || requirements.AllowSharedSecrets)))
        {
            return SignatureInspection.Unauthorized($"Unsupported signature algorithm: {alg}");
        }

        var created = StructuredFields.Parameter(parameters, "created");
        var expires = StructuredFields.Parameter(parameters, "expires");
        if (requirements.EnforceCoverage && CoverageError(request, components, created) is { } coverageError)
        {
            return SignatureInspection.Unauthorized(coverageError);
        }

        if (components.Contains("content-digest")
            && BodyDigest.CheckContentDigest(request.Header("Content-Digest"), request.Body, out var malformed) is { } digestError)
        {
            return malformed ? SignatureInspection.BadRequest(digestError) : SignatureInspection.Unauthorized(digestError);
        }

        if (created is not null)
        {
            if (created is not long createdSeconds || TimeWindow.FromUnixSeconds(createdSeconds) is not { } createdAt)
            {
                return SignatureInspection.Unauthorized("Invalid created parameter");
            }

            DateTimeOffset? expiresAt = null;
            if (expires is not null)
            {
                if (expires is not long expiresSeconds || TimeWindow.FromUnixSeconds(expiresSeconds) is not { } e)
                {
                    return SignatureInspection.Unauthorized("Invalid expires parameter");
                }

                expiresAt = e;
            }

            if (TimeWindow.Check(createdAt, expiresAt, now) is { } timeError)
            {
                return SignatureInspection.Unauthorized(timeError);
            }
        }

        var signatureBase = BuildSignatureBase(request, components, inputs[0].Raw, responseStatus, out var baseError);
        if (signatureBase is null)
        {
            return SignatureInspection.Unauthorized(baseError!);
        }

        var allowHmac = requirements.AllowSharedSecrets;
        return SignatureInspection.Ok(new SignatureCheck(
            SignatureScheme.Rfc9421,
            keyId,
            [signatureBase],
            signature,
            key => AlgorithmsFor(alg as string, key, allowHmac)));
    }

    /// <summary>
    /// RFC 9421 §2.5: one <c>"name": value</c> line per component, then "@signature-params" with the
    /// member value exactly as the signer serialized it. Null (and an error) if a component is missing.
    /// </summary>
    internal static string? BuildSignatureBase(
        SignedRequest request,
        IReadOnlyList<string> components,
        string signatureParams,
        int? responseStatus,
        out string? error)
    {
        var builder = new StringBuilder();
        error = null;
        foreach (var name in components)
        {
            var value = ComponentValue(request, name, responseStatus);
            if (value is null)
            {
                error = $"Covered component {name} is missing or unsupported";
                return null;
            }

            // A line break in a value would let one component impersonate another line of the base.
            if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                error = $"Covered component {name} contains a line break";
                return null;
            }

            builder.Append('"').Append(name).Append("\": ").Append(value).Append('\n');
        }

        builder.Append("\"@signature-params\": ").Append(signatureParams);
        return builder.ToString();
    }

    /// <summary>Derived components of RFC 9421 §2.2, and header fields (§2.1: trimmed; repeats already joined).</summary>
    private static string? ComponentValue(SignedRequest request, string name, int? responseStatus) => name switch
    {
        "@method" => request.Method.ToUpperInvariant(),
        "@target-uri" => RequestTarget.TargetUri(request.Uri),
        "@authority" => RequestTarget.Authority(request.Uri),
        "@scheme" => request.Uri.Scheme.ToLowerInvariant(),
        "@request-target" => RequestTarget.PathAndQuery(request.Uri),
        "@path" => RequestTarget.Path(request.Uri),
        "@query" => RequestTarget.RawQuery(request.Uri) is { Length: > 0 } q ? q : "?",
        "@status" => responseStatus?.ToString(CultureInfo.InvariantCulture),
        _ when name.StartsWith('@') => null,
        _ when name != name.ToLowerInvariant() => null,
        _ => request.Header(name)?.Trim(' ', '\t'),
    };

    /// <summary>Mastodon's HttpMessageSignature rules (signatures.md §2.1, security.md case 17).</summary>
    private static string? CoverageError(SignedRequest request, List<string> components, object? created)
    {
        if (created is null)
        {
            return "Incompatible request signature. created is required";
        }

        if (!components.Contains("@method"))
        {
            return "The @method component must be signed";
        }

        if (!components.Contains("@target-uri"))
        {
            return "The @target-uri component must be signed";
        }

        if ((request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase) || request.HasBody) && !components.Contains("content-digest"))
        {
            return "The Content-Digest header must be signed when doing a POST request";
        }

        return null;
    }

    /// <summary>
    /// With alg, exactly that primitive (if the key fits). Without alg, RFC 9421 §3.3.7 derives it from
    /// the key; SPKI does not say whether an RSA key is meant for PSS (B.1.2 is published as plain
    /// rsaEncryption), so both RSA primitives are tried.
    /// </summary>
    private static IReadOnlyList<SignatureAlgorithm> AlgorithmsFor(string? alg, KeyAlgorithm key, bool allowHmac)
    {
        if (key == KeyAlgorithm.Hmac && !allowHmac)
        {
            return [];
        }

        if (alg is not null)
        {
            var (expectedKey, primitive) = Algorithms[alg];
            return expectedKey == key ? [primitive] : [];
        }

        return key switch
        {
            KeyAlgorithm.Rsa => [SignatureAlgorithm.RsaPkcs1Sha256, SignatureAlgorithm.RsaPssSha512],
            KeyAlgorithm.EcdsaP256 => [SignatureAlgorithm.EcdsaP256Sha256],
            KeyAlgorithm.Ed25519 => [SignatureAlgorithm.Ed25519],
            _ => [SignatureAlgorithm.HmacSha256],
        };
    }
}
