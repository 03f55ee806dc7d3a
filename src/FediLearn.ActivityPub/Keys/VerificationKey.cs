using System.Security.Cryptography;

namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// A public key used to verify HTTP signatures and integrity proofs. Accepts what actor documents
/// publish: SPKI "PUBLIC KEY" PEM (RSA, EC P-256, Ed25519 1.3.101.112) as Mastodon does, PKCS#1
/// "RSA PUBLIC KEY" PEM as GoToSocial also parses (signatures.md §1.4), and FEP-521a Multikey.
/// </summary>
public sealed class VerificationKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly byte[]? _raw;

    private VerificationKey(KeyAlgorithm algorithm, RSA? rsa = null, ECDsa? ecdsa = null, byte[]? raw = null)
    {
        Algorithm = algorithm;
        _rsa = rsa;
        _ecdsa = ecdsa;
        _raw = raw;
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>RSA modulus size in bits, or 0 for other key types (callers may enforce a minimum).</summary>
    public int KeySizeBits => _rsa?.KeySize ?? _ecdsa?.KeySize ?? 0;

    public static VerificationKey FromPem(string pem)
    {
        var (label, der) = KeyPem.Read(pem);
        return label switch
        {
            "PUBLIC KEY" => FromSubjectPublicKeyInfo(der),
            "RSA PUBLIC KEY" => FromRsa(rsa => rsa.ImportRSAPublicKey(der, out _), "PKCS#1 RSA public key"),
            _ => throw new FormatException($"Unsupported PEM label '{label}': expected 'PUBLIC KEY' or 'RSA PUBLIC KEY'."),
        };
    }

    public static VerificationKey FromEd25519(byte[] rawPublicKey32)
    {
        Ed25519.RequireLength(rawPublicKey32, Ed25519.KeySize, "An Ed25519 public key");
        return new VerificationKey(KeyAlgorithm.Ed25519, raw: (byte[])rawPublicKey32.Clone());
    }

    /// <summary>FEP-521a publicKeyMultibase; only Ed25519 (multicodec 0xed01, "z6Mk…") is accepted.</summary>
    public static VerificationKey FromMultibase(string publicKeyMultibase) =>
        FromEd25519(Multibase.DecodeEd25519PublicKey(publicKeyMultibase));

    public static VerificationKey FromHmacSecret(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length == 0)
        {
            throw new FormatException("An HMAC secret must not be empty.");
        }

        return new VerificationKey(KeyAlgorithm.Hmac, raw: (byte[])secret.Clone());
    }

    internal static VerificationKey FromRsaParameters(RSAParameters parameters) =>
        FromRsa(rsa => rsa.ImportParameters(parameters), "RSA public key");

    internal static VerificationKey FromEcParameters(ECParameters parameters)
    {
        var ecdsa = ECDsa.Create(parameters);
        return new VerificationKey(KeyAlgorithm.EcdsaP256, ecdsa: ecdsa);
    }

    private static VerificationKey FromSubjectPublicKeyInfo(byte[] der)
    {
        var (oid, curve, key) = KeyPem.ReadSubjectPublicKeyInfo(der);
        switch (oid)
        {
            case KeyPem.RsaEncryption:
                return FromRsa(rsa => rsa.ImportSubjectPublicKeyInfo(der, out _), "RSA public key");
            case KeyPem.RsaSsaPss:
                // The BCL refuses the id-RSASSA-PSS OID; the BIT STRING is still a PKCS#1 RSAPublicKey.
                return FromRsa(rsa => rsa.ImportRSAPublicKey(key, out _), "RSASSA-PSS public key");
            case KeyPem.EcPublicKey when curve == KeyPem.P256:
                var ecdsa = ECDsa.Create();
                try
                {
                    ecdsa.ImportSubjectPublicKeyInfo(der, out _);
                }
                catch (CryptographicException e)
                {
                    ecdsa.Dispose();
                    throw new FormatException("The EC P-256 public key is invalid.", e);
                }

                return new VerificationKey(KeyAlgorithm.EcdsaP256, ecdsa: ecdsa);
            case KeyPem.EcPublicKey:
                throw new FormatException($"Unsupported EC curve {curve ?? "(none)"}: only P-256 is supported.");
            case KeyPem.Ed25519Oid:
                return FromEd25519(key);
            default:
                throw new FormatException($"Unsupported public key algorithm {KeyPem.Describe(oid)}.");
        }
    }

    private static VerificationKey FromRsa(Action<RSA> import, string what)
    {
        var rsa = RSA.Create();
        try
        {
            import(rsa);
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new FormatException($"The {what} is invalid.", e);
        }

        return new VerificationKey(KeyAlgorithm.Rsa, rsa: rsa);
    }

    /// <summary>Verifies with one primitive; false (never an exception) when it does not fit this key.</summary>
    internal bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return algorithm switch
            {
                SignatureAlgorithm.RsaPkcs1Sha256 when _rsa is not null =>
                    _rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                // .NET's PSS uses a salt as long as the hash: 64 bytes for SHA-512, as RFC 9421 §3.3.1 wants.
                SignatureAlgorithm.RsaPssSha512 when _rsa is not null =>
                    _rsa.VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
                SignatureAlgorithm.EcdsaP256Sha256 when _ecdsa is not null =>
                    _ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                SignatureAlgorithm.EcdsaP256Sha256Der when _ecdsa is not null =>
                    _ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                SignatureAlgorithm.Ed25519 when Algorithm == KeyAlgorithm.Ed25519 =>
                    Ed25519.Verify(_raw!, data, signature),
                SignatureAlgorithm.HmacSha256 when Algorithm == KeyAlgorithm.Hmac =>
                    CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_raw!, data), signature),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}
