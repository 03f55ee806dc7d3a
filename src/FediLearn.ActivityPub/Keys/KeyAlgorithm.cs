namespace FediLearn.ActivityPub.Keys;

/// <summary>The key families FediLearn can sign or verify with.</summary>
public enum KeyAlgorithm
{
    Rsa,
    EcdsaP256,
    Ed25519,
    Hmac,
}
