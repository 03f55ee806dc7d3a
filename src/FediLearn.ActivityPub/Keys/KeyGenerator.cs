using System.Security.Cryptography;

namespace FediLearn.ActivityPub.Keys;

/// <summary>Fresh key pairs for new actors: RSA 2048 for HTTP signatures, Ed25519 for FEP-521a/8b32.</summary>
public static class KeyGenerator
{
    /// <summary>
    /// RSA 2048, the size Mastodon generates and SWICG's "2048-bit or larger" asks for (signatures.md §1.4).
    /// Private key as PKCS#8, public key as SPKI, the form published in publicKeyPem.
    /// </summary>
    public static (string PrivateKeyPem, string PublicKeyPem) NewRsa2048()
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>A random 32-byte Ed25519 seed (RFC 8032 §5.1.5) and its public key.</summary>
    public static (byte[] Seed, byte[] PublicKey) NewEd25519()
    {
        var seed = RandomNumberGenerator.GetBytes(Ed25519.KeySize);
        return (seed, Ed25519.PublicKeyFromSeed(seed));
    }
}
