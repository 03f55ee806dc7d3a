namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// A concrete signature primitive. A key family can serve several of them (an RSA key signs both
/// PKCS#1 v1.5 and PSS), so the primitive is chosen by the signature format, not by the key.
/// </summary>
internal enum SignatureAlgorithm
{
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256: cavage rsa-sha256/hs2019, RFC 9421 §3.3.2.</summary>
    RsaPkcs1Sha256,

    /// <summary>RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt: RFC 9421 §3.3.1.</summary>
    RsaPssSha512,

    /// <summary>ECDSA P-256 / SHA-256, signature as r‖s (64 bytes): RFC 9421 §3.3.4.</summary>
    EcdsaP256Sha256,

    /// <summary>ECDSA P-256 / SHA-256, DER signature, as draft-cavage hs2019 peers send it.</summary>
    EcdsaP256Sha256Der,

    /// <summary>Ed25519 (RFC 8032), RFC 9421 §3.3.6.</summary>
    Ed25519,

    /// <summary>HMAC-SHA-256, RFC 9421 §3.3.3. Only for test vectors: federation has no shared secrets.</summary>
    HmacSha256,
}
