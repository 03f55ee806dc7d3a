using System.Security.Cryptography;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Body digests over the raw bytes: RFC 3230 "Digest" for draft-cavage and RFC 9530 "Content-Digest"
/// for RFC 9421. A signature covers the digest header, so this is what ties the body to the signature.
/// </summary>
internal static class BodyDigest
{
    public const string MalformedContentDigest = "Content-Digest could not be parsed. It does not contain a valid RFC8941 dictionary.";

    public static string Sha256Base64(byte[]? body) => Convert.ToBase64String(SHA256.HashData(body ?? []));

    /// <summary>
    /// Checks <c>Digest: SHA-256=&lt;b64&gt;</c> as Mastodon's verify_body_digest! does (signatures.md §1.1):
    /// split on ",", then on the first "=", names case-insensitive, SHA-256 required. Returns an error or null.
    /// </summary>
    public static string? CheckDigest(string? header, byte[]? body)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return "Digest header missing";
        }

        var entries = header.Split(',')
            .Select(part => part.Trim().Split('=', 2))
            .Select(kv => (Name: kv[0].Trim().ToLowerInvariant(), Value: kv.Length > 1 ? kv[1].Trim() : string.Empty))
            .ToList();
        var sha256 = entries.FirstOrDefault(e => e.Name == "sha-256");
        if (sha256.Name is null)
        {
            return $"Digest header has no SHA-256 value. Offered algorithms: {string.Join(", ", entries.Select(e => e.Name))}";
        }

        var computed = Sha256Base64(body);
        if (sha256.Value == computed)
        {
            return null;
        }

        byte[] given;
        try
        {
            given = Convert.FromBase64String(sha256.Value);
        }
        catch (FormatException)
        {
            return $"Invalid Digest value. The provided Digest value is not a valid base64 string. Given digest: {sha256.Value}";
        }

        if (given.Length != SHA256.HashSizeInBytes)
        {
            return $"Invalid Digest value. The provided Digest value is not a SHA-256 digest. Given digest: {sha256.Value}";
        }

        return $"Invalid Digest value. Computed SHA-256 digest: {computed}; given: {sha256.Value}";
    }

    /// <summary>
    /// Checks an RFC 9530 Content-Digest dictionary. Every sha-256/sha-512 entry present must match and
    /// at least one must be present. <paramref name="malformed"/> is set when the field is not a valid
    /// RFC 8941 dictionary of byte sequences (for instance an uppercase "SHA-256" key), which Mastodon
    /// answers with 400 rather than 401.
    /// </summary>
    public static string? CheckContentDigest(string? header, byte[]? body, out bool malformed)
    {
        malformed = false;
        if (string.IsNullOrWhiteSpace(header))
        {
            return "Content-Digest header missing";
        }

        IReadOnlyList<SfMember> members;
        try
        {
            members = StructuredFields.ParseDictionary(header);
        }
        catch (FormatException)
        {
            malformed = true;
            return MalformedContentDigest;
        }

        if (members.Any(m => m.Value is not SfItem { Value: byte[] }))
        {
            malformed = true;
            return MalformedContentDigest;
        }

        var checkedAny = false;
        foreach (var member in members)
        {
            var given = (byte[])((SfItem)member.Value).Value;
            byte[]? computed = member.Key switch
            {
                "sha-256" => SHA256.HashData(body ?? []),
                "sha-512" => SHA512.HashData(body ?? []),
                _ => null,
            };
            if (computed is null)
            {
                continue;
            }

            checkedAny = true;
            if (!CryptographicOperations.FixedTimeEquals(computed, given))
            {
                var name = member.Key == "sha-256" ? "SHA-256" : "SHA-512";
                return $"Invalid Digest value. Computed {name} digest: {Convert.ToBase64String(computed)}; given: {Convert.ToBase64String(given)}";
            }
        }

        return checkedAny
            ? null
            : $"Content-Digest has no supported algorithm (sha-256, sha-512). Offered: {string.Join(", ", members.Select(m => m.Key))}";
    }
}
