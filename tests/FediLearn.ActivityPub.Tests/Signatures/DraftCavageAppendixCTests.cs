using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>draft-cavage-http-signatures-12 Appendix C (security.md case 7; signatures.md §1.5 b).</summary>
public class DraftCavageAppendixCTests
{
    private const string BasicSignature = "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=";
    private const string AllHeadersSignature = "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=";
    private static readonly DateTimeOffset Now = new(2014, 1, 5, 21, 31, 40, TimeSpan.Zero);

    private static SignedRequest AppendixRequest(string signatureHeader, string body = "{\"hello\": \"world\"}") =>
        Request("POST", "https://example.com/foo?param=value&pet=dog", body,
            ("Host", "example.com"),
            ("Date", "Sun, 05 Jan 2014 21:31:40 GMT"),
            ("Content-Type", "application/json"),
            ("Digest", "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="),
            ("Content-Length", "18"),
            ("Signature", signatureHeader));

    private static string Header(string headers, string signature) =>
        $"keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"{headers}\",signature=\"{signature}\"";

    [Theory]
    [InlineData("(request-target) host date", BasicSignature)]
    [InlineData("(request-target) host date content-type digest content-length", AllHeadersSignature)]
    public void Signing_the_appendix_c_string_reproduces_the_published_signature(string headers, string expected)
    {
        var request = AppendixRequest(Header(headers, expected));
        var inspection = HttpSignatureVerifier.Inspect(request, Now, SignatureRequirements.None);
        Assert.True(inspection.IsValid, inspection.Error);

        using var key = SigningKey.FromPem("Test", CavagePrivateKey);
        var signingString = inspection.Check!.SigningInputs[0];
        var signature = key.Sign(SignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes(signingString));

        Assert.Equal(expected, Convert.ToBase64String(signature));
    }

    [Fact]
    public void Basic_signature_verifies_with_the_published_public_key_and_fails_on_another_host()
    {
        using var key = VerificationKey.FromPem(CavagePublicKey);
        var request = AppendixRequest(Header("(request-target) host date", BasicSignature));

        var good = HttpSignatureVerifier.Inspect(request, Now, SignatureRequirements.None);
        var tampered = HttpSignatureVerifier.Inspect(request.With("Host", "example.org"), Now, SignatureRequirements.None);

        Assert.Equal("(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT", good.Check!.SigningInputs[0]);
        Assert.True(good.Check.Verify(key));
        Assert.False(tampered.Check!.Verify(key));
    }

    [Fact]
    public void All_headers_signature_passes_default_requirements_and_fails_on_a_changed_body()
    {
        using var key = VerificationKey.FromPem(CavagePublicKey);
        var header = Header("(request-target) host date content-type digest content-length", AllHeadersSignature);

        var good = HttpSignatureVerifier.Inspect(AppendixRequest(header), Now);
        var tampered = HttpSignatureVerifier.Inspect(AppendixRequest(header, "{\"hello\": \"World\"}"), Now);

        Assert.True(good.Check!.Verify(key));
        Assert.Equal(401, tampered.StatusCode);
        Assert.StartsWith("Invalid Digest value. Computed SHA-256 digest:", tampered.Error);
    }

    [Fact]
    public void Flipping_one_bit_of_the_appendix_c_signature_fails()
    {
        using var key = VerificationKey.FromPem(CavagePublicKey);
        var flipped = Convert.ToBase64String(FlipBit(Convert.FromBase64String(BasicSignature), 10));
        var inspection = HttpSignatureVerifier.Inspect(AppendixRequest(Header("(request-target) host date", flipped)), Now, SignatureRequirements.None);

        Assert.False(inspection.Check!.Verify(key));
    }

    [Fact]
    public void Derived_public_key_matches_the_published_appendix_c_key()
    {
        using var key = SigningKey.FromPem("Test", CavagePrivateKey);

        Assert.Equal(
            CavagePublicKey.ReplaceLineEndings("").Replace("\n", ""),
            key.ExportPublicKeyPem().ReplaceLineEndings("").Replace("\n", ""));
    }
}
