namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// The result of <see cref="HttpSignatureVerifier.Inspect(SignedRequest, DateTimeOffset)"/>.
/// StatusCode 0 = structurally valid (<see cref="Check"/> set, awaiting the key); 400 = malformed
/// Content-Digest dictionary (Mastodon answers 400 there, signatures.md §1.3); 401 = anything else.
/// </summary>
public sealed record SignatureInspection(SignatureCheck? Check, int StatusCode, string? Error)
{
    public bool IsValid => Check is not null;

    internal static SignatureInspection Ok(SignatureCheck check) => new(check, 0, null);

    internal static SignatureInspection Unauthorized(string error) => new(null, 401, error);

    internal static SignatureInspection BadRequest(string error) => new(null, 400, error);
}
