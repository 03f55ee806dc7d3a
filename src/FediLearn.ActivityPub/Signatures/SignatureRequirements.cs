namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// The policy checks layered on top of the signature formats. <see cref="Default"/> is what an inbox
/// or authorized fetch enforces. <see cref="None"/> exists for published vectors (RFC 9421 Appendix B,
/// draft-cavage Appendix C) that predate these rules; never use it for real traffic.
/// </summary>
public sealed record SignatureRequirements
{
    /// <summary>Minimum coverage (signatures.md §1.1 "Minimum coverage", §2.1 Mastodon rules) and required RFC 9421 created.</summary>
    public bool EnforceCoverage { get; init; } = true;

    /// <summary>Accept RFC 9421 hmac-sha256: only for B.2.5, federation has no shared secrets.</summary>
    public bool AllowSharedSecrets { get; init; }

    public static SignatureRequirements Default { get; } = new();

    public static SignatureRequirements None { get; } = new() { EnforceCoverage = false, AllowSharedSecrets = true };
}
