using System.Formats.Asn1;
using System.Security.Cryptography;

namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// A private key used to sign, with the keyId it is published under (for an actor's RSA key,
/// <c>&lt;actor&gt;#main-key</c>, signatures.md §1.4). Never log or serialize it beyond the database.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly byte[]? _secret;

    private SigningKey(string keyId, KeyAlgorithm algorithm, RSA? rsa = null, ECDsa? ecdsa = null, byte[]? secret = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        KeyId = keyId;
        Algorithm = algorithm;
        _rsa = rsa;
        _ecdsa = ecdsa;
        _secret = secret;
    }

    public string KeyId { get; }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>PKCS#8 "PRIVATE KEY" (RSA, RSASSA-PSS, EC P-256, Ed25519), PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY".</summary>
    public static SigningKey FromPem(string keyId, string privateKeyPem)
    {
        var (label, der) = KeyPem.Read(privateKeyPem);
        return label switch
        {
            "PRIVATE KEY" => FromPrivateKeyInfo(keyId, der),
            "RSA PRIVATE KEY" => FromRsa(keyId, rsa => rsa.ImportRSAPrivateKey(der, out _)),
            "EC PRIVATE KEY" => FromEc(keyId, ec => ec.ImportECPrivateKey(der, out _)),
            "ENCRYPTED PRIVATE KEY" => throw new FormatException("Encrypted private keys are not supported; store the key unencrypted in the database."),
            _ => throw new FormatException($"Unsupported PEM label '{label}': expected 'PRIVATE KEY' or 'RSA PRIVATE KEY'."),
        };
    }

    public static SigningKey FromEd25519Seed(string keyId, byte[] seed32)
    {
        Ed25519.RequireLength(seed32, Ed25519.KeySize, "An Ed25519 seed");
        return new SigningKey(keyId, KeyAlgorithm.Ed25519, secret: (byte[])seed32.Clone());
    }

    public static SigningKey FromHmacSecret(string keyId, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0)
        {
            throw new FormatException("An HMAC secret must not be empty.");
        }

        return new SigningKey(keyId, KeyAlgorithm.Hmac, secret: (byte[])secret.Clone());
    }

    /// <summary>The matching public key as SPKI PEM, the form Mastodon publishes in publicKeyPem.</summary>
    public string ExportPublicKeyPem() => Algorithm switch
    {
        KeyAlgorithm.Rsa => _rsa!.ExportSubjectPublicKeyInfoPem(),
        KeyAlgorithm.EcdsaP256 => _ecdsa!.ExportSubjectPublicKeyInfoPem(),
        KeyAlgorithm.Ed25519 => PemEncoding.WriteString("PUBLIC KEY", Ed25519SubjectPublicKeyInfo(Ed25519.PublicKeyFromSeed(_secret!))),
        _ => throw new InvalidOperationException("An HMAC secret has no public key."),
    };

    /// <summary>The key that verifies this key's signatures (the same secret for HMAC).</summary>
    public VerificationKey ToVerificationKey() => Algorithm switch
    {
        KeyAlgorithm.Rsa => VerificationKey.FromRsaParameters(_rsa!.ExportParameters(false)),
        KeyAlgorithm.EcdsaP256 => VerificationKey.FromEcParameters(_ecdsa!.ExportParameters(false)),
        KeyAlgorithm.Ed25519 => VerificationKey.FromEd25519(Ed25519.PublicKeyFromSeed(_secret!)),
        _ => VerificationKey.FromHmacSecret(_secret!),
    };

    internal static byte[] Ed25519SubjectPublicKeyInfo(byte[] raw)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(KeyPem.Ed25519Oid);
            }

            writer.WriteBitString(raw);
        }

        return writer.Encode();
    }

    /// <summary>Signs with one primitive; throws when the primitive does not fit this key.</summary>
    internal byte[] Sign(SignatureAlgorithm algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        SignatureAlgorithm.RsaPkcs1Sha256 when _rsa is not null =>
            _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        SignatureAlgorithm.RsaPssSha512 when _rsa is not null =>
            _rsa.SignData(data, HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
        SignatureAlgorithm.EcdsaP256Sha256 when _ecdsa is not null =>
            _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        SignatureAlgorithm.EcdsaP256Sha256Der when _ecdsa is not null =>
            _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
        SignatureAlgorithm.Ed25519 when Algorithm == KeyAlgorithm.Ed25519 => Ed25519.Sign(_secret!, data),
        SignatureAlgorithm.HmacSha256 when Algorithm == KeyAlgorithm.Hmac => HMACSHA256.HashData(_secret!, data),
        _ => throw new InvalidOperationException($"A {Algorithm} key cannot sign with {algorithm}."),
    };

    private static SigningKey FromPrivateKeyInfo(string keyId, byte[] der)
    {
        var (oid, curve, key) = KeyPem.ReadPrivateKeyInfo(der);
        return oid switch
        {
            KeyPem.RsaEncryption => FromRsa(keyId, rsa => rsa.ImportPkcs8PrivateKey(der, out _)),
            // RFC 9421 B.1.2's test-key-rsa-pss uses the id-RSASSA-PSS OID, which the BCL refuses;
            // the OCTET STRING is still a PKCS#1 RSAPrivateKey.
            KeyPem.RsaSsaPss => FromRsa(keyId, rsa => rsa.ImportRSAPrivateKey(key, out _)),
            KeyPem.EcPublicKey when curve == KeyPem.P256 => FromEc(keyId, ec => ec.ImportPkcs8PrivateKey(der, out _)),
            KeyPem.EcPublicKey => throw new FormatException($"Unsupported EC curve {curve ?? "(none)"}: only P-256 is supported."),
            KeyPem.Ed25519Oid => FromEd25519Seed(keyId, KeyPem.ReadCurvePrivateKey(key)),
            _ => throw new FormatException($"Unsupported private key algorithm {KeyPem.Describe(oid)}."),
        };
    }

    private static SigningKey FromRsa(string keyId, Action<RSA> import)
    {
        var rsa = RSA.Create();
        try
        {
            import(rsa);
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new FormatException("The RSA private key is invalid.", e);
        }

        return new SigningKey(keyId, KeyAlgorithm.Rsa, rsa: rsa);
    }

    private static SigningKey FromEc(string keyId, Action<ECDsa> import)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            import(ecdsa);
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new FormatException("The EC private key is invalid.", e);
        }

        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new FormatException("Unsupported EC curve: only P-256 is supported.");
        }

        return new SigningKey(keyId, KeyAlgorithm.EcdsaP256, ecdsa: ecdsa);
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
        if (_secret is not null)
        {
            CryptographicOperations.ZeroMemory(_secret);
        }
    }
}
