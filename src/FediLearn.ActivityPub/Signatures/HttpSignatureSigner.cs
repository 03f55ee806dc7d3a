using System.Globalization;
using System.Text;
using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Signs outgoing requests. Call it at send time (the <see cref="SigningHandler"/> does), because the
/// Date it sets must fall inside the receiver's window (signatures.md §1.2).
/// </summary>
public static class HttpSignatureSigner
{
    /// <summary>
    /// draft-cavage-12 as Mastodon sends it (signatures.md §1.4, federation.md item 20): Host, Date,
    /// Digest for a body, and a Signature over "(request-target) host date digest content-type"
    /// (GET: "(request-target) host date accept"). (request-target) includes the query.
    /// </summary>
    public static void SignDraftCavage(HttpRequestMessage request, byte[]? body, SigningKey key, DateTimeOffset now)
    {
        var uri = Prepare(request, body, key, now);
        var (algorithm, primitive) = key.Algorithm switch
        {
            KeyAlgorithm.Rsa => ("rsa-sha256", SignatureAlgorithm.RsaPkcs1Sha256),
            // draft-cavage-12 §2.1.3: hs2019 means "derive from the key".
            KeyAlgorithm.Ed25519 => ("hs2019", SignatureAlgorithm.Ed25519),
            KeyAlgorithm.EcdsaP256 => ("hs2019", SignatureAlgorithm.EcdsaP256Sha256Der),
            _ => throw new NotSupportedException("draft-cavage signatures with shared secrets are refused by every peer."),
        };

        request.Headers.Host ??= RequestTarget.Authority(uri);
        List<string> covered = ["(request-target)", "host", "date"];
        if (body is not null)
        {
            Replace(request, "Digest", "SHA-256=" + BodyDigest.Sha256Base64(body));
            covered.Add("digest");
            if (Header(request, "Content-Type") is not null)
            {
                covered.Add("content-type");
            }
        }
        else if (Header(request, "Accept") is not null)
        {
            covered.Add("accept");
        }

        var signingString = DraftCavageVerifier.BuildSigningString(
            request.Method.Method,
            RequestTarget.PathAndQuery(uri),
            covered,
            name => Header(request, name),
            new Dictionary<string, string>(),
            uri,
            out _)!;
        var signature = Convert.ToBase64String(key.Sign(primitive, Encoding.UTF8.GetBytes(signingString)));
        Replace(request, "Signature",
            $"keyId=\"{Escape(key.KeyId)}\",algorithm=\"{algorithm}\",headers=\"{string.Join(' ', covered)}\",signature=\"{signature}\"");
    }

    /// <summary>
    /// RFC 9421 with an RFC 9530 Content-Digest for a body, label sig1, covering
    /// ("@method" "@target-uri" "@authority" ["content-digest"] ["content-type"] "date") with created,
    /// keyid and alg: what Mastodon 4.4+ and Fedify verify (signatures.md §2.1).
    /// </summary>
    public static void SignRfc9421(HttpRequestMessage request, byte[]? body, SigningKey key, DateTimeOffset now)
    {
        var uri = Prepare(request, body, key, now);
        var (alg, primitive) = key.Algorithm switch
        {
            KeyAlgorithm.Rsa => ("rsa-v1_5-sha256", SignatureAlgorithm.RsaPkcs1Sha256),
            KeyAlgorithm.EcdsaP256 => ("ecdsa-p256-sha256", SignatureAlgorithm.EcdsaP256Sha256),
            KeyAlgorithm.Ed25519 => ("ed25519", SignatureAlgorithm.Ed25519),
            _ => ("hmac-sha256", SignatureAlgorithm.HmacSha256),
        };

        List<string> components = ["@method", "@target-uri", "@authority"];
        if (body is not null)
        {
            Replace(request, "Content-Digest", $"sha-256=:{BodyDigest.Sha256Base64(body)}:");
            components.Add("content-digest");
            if (Header(request, "Content-Type") is not null)
            {
                components.Add("content-type");
            }
        }

        components.Add("date");
        var created = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signatureParams = $"({string.Join(' ', components.Select(c => $"\"{c}\""))});created={created};keyid=\"{Escape(key.KeyId)}\";alg=\"{alg}\"";

        var view = new SignedRequest(request.Method.Method, uri, AllHeaders(request), body);
        var signatureBase = Rfc9421Verifier.BuildSignatureBase(view, components, signatureParams, null, out var error)
            ?? throw new InvalidOperationException(error);
        var signature = Convert.ToBase64String(key.Sign(primitive, Encoding.UTF8.GetBytes(signatureBase)));
        Replace(request, "Signature-Input", "sig1=" + signatureParams);
        Replace(request, "Signature", $"sig1=:{signature}:");
    }

    /// <summary>Sets Date and the body; returns the URI as it goes on the wire (escaped, no fragment).</summary>
    private static Uri Prepare(HttpRequestMessage request, byte[]? body, SigningKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var uri = request.RequestUri is { IsAbsoluteUri: true } u
            ? u
            : throw new ArgumentException("The request needs an absolute RequestUri to be signed.", nameof(request));
        if (body is not null && request.Content is null)
        {
            request.Content = new ByteArrayContent(body);
        }

        request.Headers.Date = now.ToUniversalTime();
        return new Uri(uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped));
    }

    /// <summary>A header as it will be written: request or content header, repeated values joined with ", ".</summary>
    internal static string? Header(HttpRequestMessage request, string name)
    {
        if (request.Headers.TryGetValues(name, out var values)
            || (request.Content is not null && request.Content.Headers.TryGetValues(name, out values)))
        {
            return string.Join(", ", values);
        }

        return null;
    }

    private static Dictionary<string, string> AllHeaders(HttpRequestMessage request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var all = request.Content is null ? request.Headers : request.Headers.Concat(request.Content.Headers);
        foreach (var (name, values) in all)
        {
            headers[name] = string.Join(", ", values);
        }

        return headers;
    }

    private static void Replace(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>Quoted-string escaping shared by cavage §2.1 and RFC 8941 §3.3.3 strings.</summary>
    private static string Escape(string value)
    {
        if (value.Any(c => c < 0x20 || c > 0x7e))
        {
            throw new ArgumentException("A keyId must be printable ASCII (an absolute URI).");
        }

        return value.Replace("\\", "\\\\").Replace("\"", "\\\"");
    }
}
