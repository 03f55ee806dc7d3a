using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Data.Entities;

namespace FediLearn.Core.Services;

/// <summary>Creates actors with their key pairs: RSA-2048 for HTTP signatures, Ed25519 for FEP-521a assertionMethod.</summary>
public static class LocalActorFactory
{
    public static LocalActor Create(ActorKind kind, string name, string displayName, string? summary, bool manuallyApproves, DateTime now)
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var (seed, publicKey) = KeyGenerator.NewEd25519();
        return new LocalActor
        {
            Kind = kind,
            Name = name,
            DisplayName = displayName,
            Summary = string.IsNullOrWhiteSpace(summary) ? null : summary.Trim(),
            ManuallyApprovesFollowers = manuallyApproves,
            RsaPrivateKeyPem = privatePem,
            RsaPublicKeyPem = publicPem,
            Ed25519Seed = seed,
            Ed25519PublicKey = publicKey,
            CreatedAt = now,
        };
    }
}
