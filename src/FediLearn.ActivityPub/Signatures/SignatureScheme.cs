namespace FediLearn.ActivityPub.Signatures;

/// <summary>The two HTTP signature formats in use on the fediverse (signatures.md §1 and §2).</summary>
public enum SignatureScheme
{
    /// <summary>draft-cavage-http-signatures-12 "Signature" header, what every server speaks.</summary>
    DraftCavage,

    /// <summary>RFC 9421 HTTP Message Signatures (Signature-Input + Signature).</summary>
    Rfc9421,
}
