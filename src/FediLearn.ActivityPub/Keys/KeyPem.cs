using System.Formats.Asn1;
using System.Security.Cryptography;

namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// PEM and the two DER envelopes keys arrive in: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for
/// public keys and PKCS#8 PrivateKeyInfo (RFC 5208 §5) for private keys. Only the algorithm
/// identifier is read here; the key material itself is handed to the BCL or BouncyCastle.
/// </summary>
internal static class KeyPem
{
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string RsaSsaPss = "1.2.840.113549.1.1.10";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string P256 = "1.2.840.10045.3.1.7";
    public const string Ed25519Oid = "1.3.101.112";

    public static (string Label, byte[] Der) Read(string pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw new FormatException("The key PEM is empty.");
        }

        // Actor documents in the wild carry PEM with "\r\n" or escaped newlines collapsed to spaces;
        // PemEncoding tolerates whitespace inside the base64, so only the framing has to be right.
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new FormatException("The key is not PEM: no -----BEGIN …----- / -----END …----- block found.");
        }

        var label = pem[fields.Label].ToString();
        try
        {
            return (label, Convert.FromBase64String(pem[fields.Base64Data].ToString()));
        }
        catch (FormatException)
        {
            throw new FormatException($"The PEM block '{label}' does not contain valid base64.");
        }
    }

    /// <summary>SEQUENCE { AlgorithmIdentifier, BIT STRING subjectPublicKey }.</summary>
    public static (string Oid, string? CurveOid, byte[] Key) ReadSubjectPublicKeyInfo(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var spki = reader.ReadSequence();
            var (oid, curve) = ReadAlgorithmIdentifier(spki);
            var key = spki.ReadBitString(out _);
            return (oid, curve, key);
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The public key is not a valid SubjectPublicKeyInfo structure.", e);
        }
    }

    /// <summary>SEQUENCE { INTEGER version, AlgorithmIdentifier, OCTET STRING privateKey, … }.</summary>
    public static (string Oid, string? CurveOid, byte[] Key) ReadPrivateKeyInfo(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            info.ReadInteger();
            var (oid, curve) = ReadAlgorithmIdentifier(info);
            var key = info.ReadOctetString();
            return (oid, curve, key);
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The private key is not a valid PKCS#8 PrivateKeyInfo structure.", e);
        }
    }

    /// <summary>RFC 8410 §7: the Ed25519 PKCS#8 privateKey is itself an OCTET STRING holding the seed.</summary>
    public static byte[] ReadCurvePrivateKey(byte[] octets)
    {
        try
        {
            return new AsnReader(octets, AsnEncodingRules.BER).ReadOctetString();
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The Ed25519 private key is not a valid CurvePrivateKey.", e);
        }
    }

    private static (string Oid, string? CurveOid) ReadAlgorithmIdentifier(AsnReader parent)
    {
        var algorithm = parent.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        string? curve = null;
        if (oid == EcPublicKey && algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
        {
            curve = algorithm.ReadObjectIdentifier();
        }

        return (oid, curve);
    }

    public static string Describe(string oid) => oid switch
    {
        RsaEncryption => "RSA",
        RsaSsaPss => "RSASSA-PSS",
        EcPublicKey => "EC",
        Ed25519Oid => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        _ => oid,
    };
}
