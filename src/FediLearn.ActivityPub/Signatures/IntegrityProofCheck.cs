using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>A structurally valid FEP-8b32 proof awaiting the key named by <see cref="VerificationMethod"/>.</summary>
public sealed class IntegrityProofCheck
{
    private readonly byte[] _hashData;
    private readonly byte[] _signature;

    internal IntegrityProofCheck(string verificationMethod, DateTimeOffset created, byte[] hashData, byte[] signature)
    {
        VerificationMethod = verificationMethod;
        Created = created;
        _hashData = hashData;
        _signature = signature;
    }

    public string VerificationMethod { get; }

    public DateTimeOffset Created { get; }

    /// <summary>True iff the Ed25519 signature verifies; false for any non-Ed25519 key.</summary>
    public bool Verify(VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Verify(SignatureAlgorithm.Ed25519, _hashData, _signature);
    }
}
