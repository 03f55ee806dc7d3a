namespace FediLearn.ActivityPub.Signatures;

/// <summary>The result of <see cref="IntegrityProof.Inspect(string)"/>: a check awaiting its key, or why there is none.</summary>
public sealed record IntegrityProofInspection(IntegrityProofCheck? Check, string? Error)
{
    public bool IsValid => Check is not null;

    internal static IntegrityProofInspection Invalid(string error) => new(null, error);
}
