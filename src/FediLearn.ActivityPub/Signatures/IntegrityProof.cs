using System.Globalization;
using System.Security.Cryptography;
using FediLearn.ActivityPub.Keys;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// FEP-8b32 Object Integrity Proofs with the eddsa-jcs-2022 suite (VC-EDDSA §3.3; signatures.md §3.1–3.2):
/// hashData = SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document without proof)), signed with Ed25519,
/// proofValue = "z" + base58btc(signature). A valid proof authenticates an embedded object without
/// refetching it (federation.md item 22). Work on raw JSON (or <see cref="JsonCanonicalizer.Parse"/>):
/// Newtonsoft's default date parsing would change the hashed bytes.
/// </summary>
public static class IntegrityProof
{
    public const string ProofType = "DataIntegrityProof";
    public const string Cryptosuite = "eddsa-jcs-2022";
    public const string AssertionMethod = "assertionMethod";

    /// <summary>Signs <paramref name="json"/> for <paramref name="key"/>.KeyId; returns the document with its proof.</summary>
    public static string Sign(string json, SigningKey key, DateTimeOffset created) =>
        Sign(JsonCanonicalizer.Parse(json) as JObject ?? throw new FormatException("The document must be a JSON object."), key, created)
            .ToString(Formatting.None);

    public static JObject Sign(JObject document, SigningKey key, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(key);
        if (key.Algorithm != KeyAlgorithm.Ed25519)
        {
            throw new NotSupportedException("eddsa-jcs-2022 proofs need an Ed25519 key (FEP-521a assertionMethod).");
        }

        var unsecured = (JObject)document.DeepClone();
        unsecured.Remove("proof");

        // VC-EDDSA §3.3.1: the proof options carry the document's @context.
        var proof = new JObject();
        if (unsecured["@context"] is { } context)
        {
            proof["@context"] = context.DeepClone();
        }

        proof["type"] = ProofType;
        proof["cryptosuite"] = Cryptosuite;
        proof["verificationMethod"] = key.KeyId;
        proof["proofPurpose"] = AssertionMethod;
        proof["created"] = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        var signature = key.Sign(SignatureAlgorithm.Ed25519, HashData(proof, unsecured));
        proof["proofValue"] = "z" + Multibase.Base58Encode(signature);

        var signed = (JObject)unsecured.DeepClone();
        signed["proof"] = proof;
        return signed;
    }

    /// <summary>Parses and inspects, requiring the key on the object's origin (FEP-fe34; security.md case 20).</summary>
    public static IntegrityProofInspection Inspect(string json)
    {
        JToken document;
        try
        {
            document = JsonCanonicalizer.Parse(json);
        }
        catch (FormatException e)
        {
            return IntegrityProofInspection.Invalid(e.Message);
        }

        return document is JObject o ? Inspect(o) : IntegrityProofInspection.Invalid("The document is not a JSON object.");
    }

    public static IntegrityProofInspection Inspect(JObject document) => Inspect(document, requireSameOrigin: true);

    /// <summary>
    /// Structural checks of FEP-8b32 and VC-EDDSA §3.3.2 verification. <paramref name="requireSameOrigin"/>
    /// false is only for documents whose key is not an http(s) URL (the W3C did:key vector); federation
    /// code must also check that the key is listed in the owner's assertionMethod (FEP-521a).
    /// </summary>
    public static IntegrityProofInspection Inspect(JObject document, bool requireSameOrigin)
    {
        ArgumentNullException.ThrowIfNull(document);
        var proofToken = document["proof"];
        if (proofToken is JArray { Count: 1 } single)
        {
            proofToken = single[0];
        }

        if (proofToken is not JObject proof)
        {
            return IntegrityProofInspection.Invalid(proofToken is JArray ? "Only one proof per object is supported (FEP-8b32)." : "No proof.");
        }

        if (Text(proof, "type") != ProofType)
        {
            return IntegrityProofInspection.Invalid($"Unsupported proof type; expected {ProofType}.");
        }

        if (Text(proof, "cryptosuite") != Cryptosuite)
        {
            return IntegrityProofInspection.Invalid($"Unsupported cryptosuite; expected {Cryptosuite}.");
        }

        if (Text(proof, "proofPurpose") != AssertionMethod)
        {
            return IntegrityProofInspection.Invalid("FEP-8b32 requires proofPurpose assertionMethod.");
        }

        if (Text(proof, "verificationMethod") is not { Length: > 0 } verificationMethod)
        {
            return IntegrityProofInspection.Invalid("The proof has no verificationMethod.");
        }

        if (Text(proof, "created") is not { } createdText || !TryParseDateTime(createdText, out var created))
        {
            return IntegrityProofInspection.Invalid("The proof has no valid created dateTime.");
        }

        if (Text(proof, "proofValue") is not { } proofValue)
        {
            return IntegrityProofInspection.Invalid("The proof has no proofValue.");
        }

        byte[] signature;
        try
        {
            signature = proofValue.StartsWith('z') ? Multibase.Base58Decode(proofValue[1..]) : [];
        }
        catch (FormatException)
        {
            signature = [];
        }

        if (signature.Length != 64)
        {
            return IntegrityProofInspection.Invalid("proofValue must be base58btc (z…) of a 64-byte Ed25519 signature.");
        }

        if (proof["@context"] is { } proofContext && !StartsWith(document["@context"], proofContext))
        {
            return IntegrityProofInspection.Invalid("The proof's @context must be a prefix of the document's @context.");
        }

        if (requireSameOrigin && OriginError(document, verificationMethod) is { } originError)
        {
            return IntegrityProofInspection.Invalid(originError);
        }

        // FEP-8b32: a legacy LD "signature" is added after the proof, so it is not part of what was proven.
        var unsecured = (JObject)document.DeepClone();
        unsecured.Remove("proof");
        unsecured.Remove("signature");
        var options = (JObject)proof.DeepClone();
        options.Remove("proofValue");

        byte[] hashData;
        try
        {
            hashData = HashData(options, unsecured);
        }
        catch (FormatException e)
        {
            return IntegrityProofInspection.Invalid(e.Message);
        }

        return new IntegrityProofInspection(new IntegrityProofCheck(verificationMethod, created, hashData, signature), null);
    }

    /// <summary>VC-EDDSA §3.3.4 hashing: proof options hash first, then the document hash.</summary>
    internal static byte[] HashData(JObject proofOptions, JObject unsecuredDocument) =>
    [
        .. SHA256.HashData(JsonCanonicalizer.CanonicalizeToUtf8(proofOptions)),
        .. SHA256.HashData(JsonCanonicalizer.CanonicalizeToUtf8(unsecuredDocument)),
    ];

    private static string? OriginError(JObject document, string verificationMethod)
    {
        if (Text(document, "id") is not { } id || Origin(id) is not { } objectOrigin)
        {
            return "The object has no http(s) id to compare the key's origin with.";
        }

        return Origin(verificationMethod) == objectOrigin
            ? null
            : "The verificationMethod is not on the object's origin (FEP-fe34).";
    }

    /// <summary>FEP-fe34 origin: scheme, host and port, lowercased, default port filled in.</summary>
    private static string? Origin(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp)
            ? $"{u.Scheme}://{u.IdnHost.ToLowerInvariant()}:{u.Port}"
            : null;

    private static bool StartsWith(JToken? documentContext, JToken proofContext)
    {
        var whole = AsList(documentContext);
        var prefix = AsList(proofContext);
        return prefix.Count <= whole.Count && prefix.Select((item, i) => JToken.DeepEquals(item, whole[i])).All(equal => equal);
    }

    private static List<JToken> AsList(JToken? context) => context switch
    {
        null => [],
        JArray array => [.. array],
        _ => [context],
    };

    private static string? Text(JObject o, string name) =>
        o[name] is JValue { Type: JTokenType.String } v ? (string?)v.Value : null;

    private static bool TryParseDateTime(string value, out DateTimeOffset created) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out created) && value.Contains('T');
}
