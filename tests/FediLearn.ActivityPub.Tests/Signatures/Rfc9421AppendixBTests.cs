using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>RFC 9421 Appendix B.2 vectors (security.md cases 14, 15; signatures.md §2.4).</summary>
public class Rfc9421AppendixBTests
{
    private const string B21Input = "sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"";
    private const string B21Signature = "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:";
    private const string B23Input = "sig-b23=(\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"";
    private const string B23Signature = "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:";
    private const string B23Base = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@method": POST
        "@path": /foo
        "@query": ?param=Value&Pet=dog
        "@authority": example.com
        "content-type": application/json
        "content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
        "content-length": 18
        "@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"
        """;
    private const string B24Input = "sig-b24=(\"@status\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-ecc-p256\"";
    private const string B24Signature = "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:";
    private const string B25Input = "sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\"";
    private const string B25Signature = "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=";
    private const string B26Input = "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
    private const string B26Signature = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";
    private const string B26Base = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@method": POST
        "@path": /foo
        "@authority": example.com
        "content-type": application/json
        "content-length": 18
        "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"
        """;

    /// <summary>The B.2 test request.</summary>
    private static SignedRequest B2Request(string input, string signature, string body = "{\"hello\": \"world\"}") =>
        Request("POST", "https://example.com/foo?param=Value&Pet=dog", body,
            ("Host", "example.com"),
            ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("Content-Type", "application/json"),
            ("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"),
            ("Content-Length", "18"),
            ("Signature-Input", input),
            ("Signature", signature));

    private static SignatureCheck Check(SignedRequest request)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, RfcNow, SignatureRequirements.None);
        Assert.True(inspection.IsValid, inspection.Error);
        return inspection.Check!;
    }

    private static string Flip(string labelled)
    {
        var colon = labelled.IndexOf(":", StringComparison.Ordinal);
        var label = labelled[..(colon + 1)];
        var bytes = Convert.FromBase64String(labelled[(colon + 1)..^1]);
        return label + Convert.ToBase64String(FlipBit(bytes, 5)) + ":";
    }

    [Fact]
    public void B21_minimal_rsa_pss_verifies_and_a_flipped_bit_fails()
    {
        using var key = VerificationKey.FromPem(RfcRsaPssPublicKey);
        var check = Check(B2Request(B21Input, B21Signature));

        Assert.Equal("\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"", check.SigningInputs[0]);
        Assert.Equal("test-key-rsa-pss", check.KeyId);
        Assert.True(check.Verify(key));
        Assert.False(Check(B2Request(B21Input, Flip(B21Signature))).Verify(key));
    }

    [Fact]
    public void B21_with_a_changed_nonce_in_the_base_fails()
    {
        using var key = VerificationKey.FromPem(RfcRsaPssPublicKey);

        Assert.False(Check(B2Request(B21Input.Replace("yemd", "yemf"), B21Signature)).Verify(key));
    }

    [Fact]
    public void B23_signature_base_matches_byte_for_byte()
    {
        var check = Check(B2Request(B23Input, B23Signature));

        Assert.Equal(B23Base.ReplaceLineEndings("\n"), check.SigningInputs[0]);
    }

    [Fact]
    public void B23_full_post_verifies_and_flipped_signature_or_changed_query_fails()
    {
        using var key = VerificationKey.FromPem(RfcRsaPssPublicKey);

        Assert.True(Check(B2Request(B23Input, B23Signature)).Verify(key));
        Assert.False(Check(B2Request(B23Input, Flip(B23Signature))).Verify(key));
        var otherQuery = B2Request(B23Input, B23Signature) with { Uri = new Uri("https://example.com/foo?param=Value&Pet=cat") };
        Assert.False(Check(otherQuery).Verify(key));
    }

    [Fact]
    public void B23_content_digest_sha512_is_checked_against_the_body()
    {
        var inspection = HttpSignatureVerifier.Inspect(B2Request(B23Input, B23Signature, "{\"hello\": \"World\"}"), RfcNow, SignatureRequirements.None);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Contains("SHA-512", inspection.Error);
    }

    [Fact]
    public void B23_does_not_verify_with_the_wrong_key_type()
    {
        using var ec = VerificationKey.FromPem(RfcEccP256PublicKey);

        Assert.False(Check(B2Request(B23Input, B23Signature)).Verify(ec));
    }

    [Fact]
    public void B24_ecdsa_response_verifies_and_fails_for_another_status()
    {
        using var key = VerificationKey.FromPem(RfcEccP256PublicKey);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json",
            ["Content-Digest"] = "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:",
            ["Content-Length"] = "23",
            ["Signature-Input"] = B24Input,
            ["Signature"] = B24Signature,
        };
        var body = Encoding.UTF8.GetBytes("{\"message\": \"good dog\"}");

        var ok = HttpSignatureVerifier.InspectResponse(200, headers, body, RfcNow, SignatureRequirements.None);
        var other = HttpSignatureVerifier.InspectResponse(503, headers, body, RfcNow, SignatureRequirements.None);

        Assert.True(ok.Check!.Verify(key));
        Assert.StartsWith("\"@status\": 200\n", ok.Check.SigningInputs[0]);
        Assert.False(other.Check!.Verify(key));
    }

    [Fact]
    public void B25_hmac_is_reproduced_exactly()
    {
        using var signing = SigningKey.FromHmacSecret("test-shared-secret", RfcSharedSecret);
        using var verifying = VerificationKey.FromHmacSecret(RfcSharedSecret);
        var check = Check(B2Request(B25Input, $"sig-b25=:{B25Signature}:"));

        var signature = signing.Sign(SignatureAlgorithm.HmacSha256, Encoding.UTF8.GetBytes(check.SigningInputs[0]));

        Assert.Equal(B25Signature, Convert.ToBase64String(signature));
        Assert.True(check.Verify(verifying));
        Assert.False(Check(B2Request(B25Input, Flip($"sig-b25=:{B25Signature}:"))).Verify(verifying));
    }

    [Fact]
    public void B25_hmac_is_refused_unless_shared_secrets_are_allowed()
    {
        using var verifying = VerificationKey.FromHmacSecret(RfcSharedSecret);
        var noSecrets = SignatureRequirements.None with { AllowSharedSecrets = false };
        var inspection = HttpSignatureVerifier.Inspect(B2Request(B25Input, $"sig-b25=:{B25Signature}:"), RfcNow, noSecrets);

        Assert.False(inspection.Check!.Verify(verifying));
    }

    [Fact]
    public void B26_ed25519_is_reproduced_exactly_from_the_seed_and_the_pkcs8_key()
    {
        using var fromSeed = SigningKey.FromEd25519Seed("test-key-ed25519", Convert.FromHexString(RfcEd25519Seed));
        using var fromPem = SigningKey.FromPem("test-key-ed25519", RfcEd25519PrivateKey);
        using var verifying = VerificationKey.FromPem(RfcEd25519PublicKey);
        var check = Check(B2Request(B26Input, $"sig-b26=:{B26Signature}:"));
        var data = Encoding.UTF8.GetBytes(check.SigningInputs[0]);

        Assert.Equal(B26Base.ReplaceLineEndings("\n"), check.SigningInputs[0]);
        Assert.Equal(B26Signature, Convert.ToBase64String(fromSeed.Sign(SignatureAlgorithm.Ed25519, data)));
        Assert.Equal(B26Signature, Convert.ToBase64String(fromPem.Sign(SignatureAlgorithm.Ed25519, data)));
        Assert.True(check.Verify(verifying));
        Assert.False(Check(B2Request(B26Input, Flip($"sig-b26=:{B26Signature}:"))).Verify(verifying));
    }

    [Fact]
    public void B26_fails_when_the_covered_date_changes()
    {
        using var verifying = VerificationKey.FromPem(RfcEd25519PublicKey);
        var request = B2Request(B26Input, $"sig-b26=:{B26Signature}:").With("Date", "Tue, 20 Apr 2021 02:07:56 GMT");

        Assert.False(Check(request).Verify(verifying));
    }
}
