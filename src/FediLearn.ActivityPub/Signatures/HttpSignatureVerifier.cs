namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Entry point for inbound signatures. If Signature-Input is present only the RFC 9421 path is used
/// (security.md case 17, as Mastodon selects by that header); otherwise the draft-cavage Signature header.
/// The result is structural: the caller still resolves the key and calls <see cref="SignatureCheck.Verify"/>.
/// </summary>
public static class HttpSignatureVerifier
{
    public static SignatureInspection Inspect(SignedRequest request, DateTimeOffset now) =>
        Inspect(request, now, SignatureRequirements.Default);

    public static SignatureInspection Inspect(SignedRequest request, DateTimeOffset now, SignatureRequirements requirements) =>
        InspectCore(request, now, requirements, responseStatus: null);

    /// <summary>RFC 9421 signatures on a response (for "@status", e.g. Appendix B.2.4).</summary>
    internal static SignatureInspection InspectResponse(
        int status,
        IReadOnlyDictionary<string, string> headers,
        byte[]? body,
        DateTimeOffset now,
        SignatureRequirements requirements)
    {
        var response = new SignedRequest("GET", new Uri("https://response.invalid/"), headers, body);
        return InspectCore(response, now, requirements, status);
    }

    private static SignatureInspection InspectCore(SignedRequest request, DateTimeOffset now, SignatureRequirements requirements, int? responseStatus)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(requirements);
        try
        {
            if (request.Header("Signature-Input") is { } signatureInput)
            {
                return Rfc9421Verifier.Inspect(request, signatureInput, now, requirements, responseStatus);
            }

            if (request.Header("Signature") is { } signature)
            {
                return DraftCavageVerifier.Inspect(request, signature, now, requirements);
            }

            return SignatureInspection.Unauthorized("Request not signed");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or InvalidOperationException)
        {
            // Errors are answers, not crashes (security.md principle 7): whatever slipped past the
            // parsers is still a bad signature, never a 500.
            return SignatureInspection.Unauthorized($"Malformed signature: {e.Message}");
        }
    }
}
