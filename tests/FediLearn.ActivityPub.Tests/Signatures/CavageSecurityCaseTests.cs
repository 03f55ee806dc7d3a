using System.Globalization;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>security.md cases 3–6: coverage, algorithms, parsing, time window, Digest robustness.</summary>
public class CavageSecurityCaseTests
{
    private const string Url = "https://www.example.com/inbox";

    /// <summary>Signs <paramref name="request"/> over <paramref name="headers"/> with the Mastodon spec key.</summary>
    private static SignedRequest Signed(SignedRequest request, string headers, string algorithm = "rsa-sha256", string extra = "")
    {
        using var key = MastodonSigningKey();
        var covered = headers.Split(' ');
        var parameters = extra.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => p[1]);
        var signingString = DraftCavageVerifier.BuildSigningString(
            request.Method, RequestTarget.PathAndQuery(request.Uri), covered, request.Header, parameters, request.Uri, out _)!;
        var signature = Convert.ToBase64String(key.Sign(SignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes(signingString)));
        var extraPart = extra.Length == 0 ? "" : "," + extra;
        return request.With("Signature",
            $"keyId=\"{MastodonKeyId}\",algorithm=\"{algorithm}\",headers=\"{headers}\",signature=\"{signature}\"{extraPart}");
    }

    private static SignedRequest GetAt(DateTimeOffset date) =>
        Request("GET", Url, null, ("Host", "www.example.com"), ("Date", date.ToString("r", CultureInfo.InvariantCulture)));

    private static SignedRequest Post(string body, string digest) =>
        Request("POST", Url, body, ("Host", "www.example.com"), ("Date", MastodonNow.ToString("r", CultureInfo.InvariantCulture)), ("Digest", digest));

    private static bool Accepted(SignedRequest request)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);
        using var key = MastodonPublicKey();
        return inspection.IsValid && inspection.Check!.Verify(key);
    }

    [Fact]
    public void Get_not_covering_host_is_rejected_even_though_it_verifies()
    {
        var request = Signed(GetAt(MastodonNow), "(request-target) date");

        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);
        var relaxed = HttpSignatureVerifier.Inspect(request, MastodonNow, SignatureRequirements.None);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Contains("Host", inspection.Error);
        using var key = MastodonPublicKey();
        Assert.True(relaxed.Check!.Verify(key));
    }

    [Fact]
    public void Signature_covering_neither_date_nor_created_is_rejected()
    {
        var inspection = HttpSignatureVerifier.Inspect(Signed(GetAt(MastodonNow), "(request-target) host"), MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Contains("Date", inspection.Error);
    }

    [Fact]
    public void Signature_covering_neither_request_target_nor_digest_is_rejected()
    {
        var inspection = HttpSignatureVerifier.Inspect(Signed(GetAt(MastodonNow), "host date"), MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
    }

    [Fact]
    public void Hmac_sha256_algorithm_is_rejected_while_rsa_sha256_twin_is_accepted()
    {
        var good = Signed(GetAt(MastodonNow), "(request-target) host date");
        var hmac = Signed(GetAt(MastodonNow), "(request-target) host date", algorithm: "hmac-sha256");

        Assert.True(Accepted(good));
        var inspection = HttpSignatureVerifier.Inspect(hmac, MastodonNow);
        Assert.Equal(401, inspection.StatusCode);
        Assert.Contains("Unsupported signature algorithm", inspection.Error);
    }

    [Theory]
    [InlineData("algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"AAAA\"")]
    [InlineData("keyId=\"https://remote.domain/users/bob#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\"")]
    [InlineData("keyId=\"\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"AAAA\"")]
    [InlineData("this is not a signature header")]
    [InlineData("keyId=\"unterminated")]
    public void Missing_key_id_or_signature_or_garbage_is_rejected_without_exception(string header)
    {
        var inspection = HttpSignatureVerifier.Inspect(GetAt(MastodonNow).With("Signature", header), MastodonNow);

        Assert.False(inspection.IsValid);
        Assert.Equal(401, inspection.StatusCode);
    }

    [Fact]
    public void Signature_prefixed_value_is_parsed_normally()
    {
        var request = Signed(GetAt(MastodonNow), "(request-target) host date");
        var prefixed = request.With("Signature", "Signature " + request.Header("Signature"));

        Assert.True(Accepted(prefixed));
    }

    [Fact]
    public void Unsigned_request_is_rejected()
    {
        var inspection = HttpSignatureVerifier.Inspect(GetAt(MastodonNow), MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Equal("Request not signed", inspection.Error);
    }

    [Theory]
    [InlineData(-30, true)]
    [InlineData(-64, true)]
    [InlineData(59, true)]
    [InlineData(-70, false)]
    [InlineData(61, false)]
    public void Date_window_is_minus_65_to_plus_60_minutes(int minutes, bool accepted)
    {
        var request = Signed(GetAt(MastodonNow.AddMinutes(minutes)), "(request-target) host date");

        Assert.Equal(accepted, Accepted(request));
    }

    [Fact]
    public void Unparsable_date_is_rejected()
    {
        var request = Signed(GetAt(MastodonNow), "(request-target) host date").With("Date", "yesterday-ish");

        Assert.False(Accepted(request));
        Assert.StartsWith("Invalid Date header", HttpSignatureVerifier.Inspect(request, MastodonNow).Error);
    }

    [Fact]
    public void Hs2019_created_is_used_for_the_window_when_covered()
    {
        var fresh = MastodonNow.ToUnixTimeSeconds();
        var stale = MastodonNow.AddDays(-2).ToUnixTimeSeconds();
        var good = Signed(GetAt(MastodonNow), "(request-target) host (created)", "hs2019", $"created={fresh}");
        var old = Signed(GetAt(MastodonNow), "(request-target) host (created)", "hs2019", $"created={stale}");

        Assert.True(Accepted(good));
        Assert.Equal(TimeWindow.OutsideWindow, HttpSignatureVerifier.Inspect(old, MastodonNow).Error);
    }

    [Fact]
    public void Uncovered_created_parameter_cannot_refresh_an_old_date()
    {
        var old = Signed(GetAt(MastodonNow.AddDays(-2)), "(request-target) host date", "hs2019", $"created={MastodonNow.ToUnixTimeSeconds()}");

        Assert.Equal(TimeWindow.OutsideWindow, HttpSignatureVerifier.Inspect(old, MastodonNow).Error);
    }

    [Fact]
    public void Created_pseudo_header_with_rsa_sha256_is_rejected()
    {
        var request = Signed(GetAt(MastodonNow), "(request-target) host (created)", "rsa-sha256", $"created={MastodonNow.ToUnixTimeSeconds()}");

        Assert.Equal(401, HttpSignatureVerifier.Inspect(request, MastodonNow).StatusCode);
    }

    [Theory]
    [InlineData("MD5=XrY7u+Ae7tCTyyK7j1rNww==")]
    [InlineData("SHA-256=not*base64!")]
    [InlineData("SHA-256=XrY7u+Ae7tCTyyK7j1rNww==")]
    [InlineData("SHA-256")]
    [InlineData("")]
    public void Bad_digest_is_a_401_not_an_exception(string digest)
    {
        var request = Signed(Post("Hello world", digest), "(request-target) host date digest");

        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.False(inspection.IsValid);
        Assert.Equal(401, inspection.StatusCode);
        Assert.NotNull(inspection.Error);
    }

    [Fact]
    public void Good_digest_twin_of_the_bad_digest_cases_is_accepted()
    {
        var request = Signed(Post("Hello world", "SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="), "(request-target) host date digest");

        Assert.True(Accepted(request));
    }

    [Fact]
    public void Md5_plus_sha256_digest_uses_the_sha256_entry()
    {
        var request = Signed(
            Post("Hello world", "MD5=XrY7u+Ae7tCTyyK7j1rNww==,SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="),
            "(request-target) host date digest");

        Assert.True(Accepted(request));
    }

    [Fact]
    public void Covered_header_that_is_absent_is_rejected()
    {
        var request = Signed(GetAt(MastodonNow).With("Accept", "application/activity+json"), "(request-target) host date accept");
        var without = new SignedRequest(request.Method, request.Uri,
            request.Headers.Where(h => h.Key != "Accept").ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase), null);

        Assert.True(Accepted(request));
        Assert.Equal(401, HttpSignatureVerifier.Inspect(without, MastodonNow).StatusCode);
    }

    [Fact]
    public void Ed25519_key_under_hs2019_verifies_and_rsa_key_does_not()
    {
        var (seed, publicKey) = KeyGenerator.NewEd25519();
        using var signing = SigningKey.FromEd25519Seed("https://a.example/users/al#ed", seed);
        using var message = new HttpRequestMessage(HttpMethod.Get, Url);
        HttpSignatureSigner.SignDraftCavage(message, null, signing, MastodonNow);

        var inspection = HttpSignatureVerifier.Inspect(FromMessage(message, null), MastodonNow);
        using var ed = VerificationKey.FromEd25519(publicKey);
        using var rsa = MastodonPublicKey();

        Assert.Contains("algorithm=\"hs2019\"", message.Headers.GetValues("Signature").Single());
        Assert.True(inspection.Check!.Verify(ed));
        Assert.False(inspection.Check.Verify(rsa));
    }
}
