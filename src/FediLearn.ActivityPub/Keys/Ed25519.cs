using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// Ed25519 through BouncyCastle: the .NET BCL has none (dotnet/runtime#63174).
/// </summary>
internal static class Ed25519
{
    public const int KeySize = 32;
    public const int SignatureSize = 64;

    public static byte[] PublicKeyFromSeed(byte[] seed)
    {
        RequireLength(seed, KeySize, "Ed25519 seed");
        return new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded();
    }

    public static byte[] Sign(byte[] seed, ReadOnlySpan<byte> data)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, new Ed25519PrivateKeyParameters(seed, 0));
        var bytes = data.ToArray();
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return signer.GenerateSignature();
    }

    public static bool Verify(byte[] publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != KeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        var bytes = data.ToArray();
        verifier.BlockUpdate(bytes, 0, bytes.Length);
        return verifier.VerifySignature(signature.ToArray());
    }

    public static void RequireLength(byte[] value, int length, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length != length)
        {
            throw new FormatException($"{what} must be {length} bytes, got {value.Length}.");
        }
    }
}
