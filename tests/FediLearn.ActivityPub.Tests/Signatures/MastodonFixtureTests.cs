using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>
/// Fixtures from mastodon/mastodon spec/requests/signature_verification_spec.rb, clock frozen at
/// 2023-12-20T10:00Z (security.md cases 1, 2, 16; signatures.md §1.5 a, §2.3).
/// </summary>
public class MastodonFixtureTests
{
    private const string Date = "Wed, 20 Dec 2023 10:00:00 GMT";
    private const string GetSignature = "Z8ilar3J7bOwqZkMp7sL8sRs4B1FT+UorbmvWoE+A5UeoOJ3KBcUmbsh+k3wQwbP5gMNUrra9rEWabpasZGphLsbDxfbsWL3Cf0PllAc7c1c7AFEwnewtExI83/qqgEkfWc2z7UDutXc2NfgAx89Ox8DXU/fA2GG0jILjB6UpFyNugkY9rg6oI31UnvfVi3R7sr3/x8Ea3I9thPvqI2byF6cojknSpDAwYzeKdngX3TAQEGzFHz3SDWwyp3jeMWfwvVVbM38FxhvAnSumw7YwWW4L7M7h4M68isLimoT3yfCn2ucBVL5Dz8koBpYf/40w7QidClAwCafZQFC29yDOg==";
    private const string GetWithQuerySignature = "SDMa4r/DQYMXYxVgYO2yEqGWWUXugKjVuz0I8dniQAk+aunzBaF2aPu+4grBfawAshlx1Xytl8lhb0H2MllEz16/tKY7rUrb70MK0w8ohXgpb0qs3YvQgdj4X24L1x2MnkFfKHR/J+7TBlnivq0HZqXm8EIkPWLv+eQxu8fbowLwHIVvRd/3t6FzvcfsE0UZKkoMEX02542MhwSif6cu7Ec/clsY9qgKahb9JVGOGS1op9Lvg/9y1mc8KCgD83U5IxVygYeYXaVQ6gixA9NgZiTCwEWzHM5ELm7w5hpdLFYxYOHg/3G3fiqJzpzNQAcCD4S4JxfE7hMI0IzVlNLT6A==";
    private const string PostSignature = "gmhMjgMROGElJU3fpehV2acD5kMHeELi8EFP2UPHOdQ54H0r55AxIpji+J3lPe+N2qSb/4H1KXIh6f0lRu8TGSsu12OQmg5hiO8VA9flcA/mh9Lpk+qwlQZIPRqKP9xUEfqD+Z7ti5wPzDKrWAUK/7FIqWgcT/mlqB1R1MGkpMFc/q4CIs2OSNiWgA4K+Kp21oQxzC2kUuYob04gAZ7cyE/FTia5t08uv6lVYFdRsn4XNPn1MsHgFBwBMRG79ng3SyhoG4PrqBEi5q2IdLq3zfre/M6He3wlCpyO2VJNdGVoTIzeZ0Zz8jUscPV3XtWUchpGclLGSaKaq/JyNZeiYQ==";
    private const string PostDigest = "SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=";

    private const string Rfc9421GetInput = "sig1=(\"@method\" \"@target-uri\");created=1703066400;keyid=\"https://remote.domain/users/bob#main-key\"";
    private const string Rfc9421GetSignature = "sig1=:WfM6q/qBqhUyqPUDt9metjadJGtLLpmMTBzk/t+R3byKe4/TGAXC6vBB/M6NsD5qv8GCmQGtisCMQxJQO0IGODGzi+Jv+eqDJ50agMVXNV6nUOzY44c4/XTPoI98qyx1oEMa4Hefy3vSYKq96iDVAc+RDLCMTeGP3wn9wizjD1SNmU0RZI1bTB+eCkywMP9mM5zXzUOYF+Qkuf+WdEpPR1XUGPlnqfdvPalcKVfaI/VThBjI91D/lmUGoa69x4EBEHM+aJmW6086e7/dVh+FndKkdGfXslZXFZKi2flTGQZgEWLn948SqAaJQROkJg8B14Sb1NONS1qZBhK3Mum8Pg==:";
    private const string Rfc9421GetWithQuerySignature = "sig1=:JbC0oqoruKkT5p3bTASZZbHQP+EwUmT6+vBjEBw/KSkLPn+tKjEj0HHIMLA2Rw3bshZyzmsVD8+2UkPcwZYnE3gzuX0r0/gC8v4dSBfwGe7EBwpekB2xU8yHW4jawxiof2LmErvEocqcnI2uiA4IlJ09uz2Os/ARmf60lj+0Qf1qqzFeM7KoXJ331BUGMJ4cQ7iS4aO9RG4P8EJ+upe7Ik1LB/q9CZmk/6MFaB2lIemV0pcg2MwctpzMw9GWN1wL10hGxx+BPT2WCXdlPQmetVSoJ89WVV8S/4lQaCA1IucYUVDvBEFgMM//VJBuw7kg8wSTeAg9oKzbR2otLqv8Lg==:";
    private const string Rfc9421PostInput = "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1703066400;keyid=\"https://remote.domain/users/bob#main-key\"";
    private const string Rfc9421PostSignature = "sig1=:c4jGY/PnOV4CwyvNnAmY6NLX0sf6EtbKu7kYseNARRZaq128PrP0GNQ4cd3XsX9cbMfJMw1ntI4zuEC81ncW8g+90OHP02bX0LkT57RweUtN4CSA01hRqSVe/MW32tjGixCiItvWqjNHoIZnZApu1bd+M3zMR+VCEue4/8a0D2eRrvfQxJUUBXZR1ZTRFlf1LNFDW3U7cuTbAKYr2zWVr7on+h2vA+vzEND9WE8z1SHd6SIFFgP0QRqrCXYx+vsTs3aLusTsamRWissoycJGexb64mI9iqiD8SD+uN1xk6iRU3nkUmhUquugjlOFyjxbbLo5ZnYjsECMt/BW+Catxw==:";
    private const string Rfc9421ContentDigest = "sha-256=:ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=:";

    internal static string CavageHeader(string headers, string signature) =>
        $"keyId=\"{MastodonKeyId}\",algorithm=\"rsa-sha256\",headers=\"{headers}\",signature=\"{signature}\"";

    internal static SignedRequest CavageGet(string url, string signature) =>
        Request("GET", url, null, ("Host", "www.example.com"), ("Date", Date),
            ("Signature", CavageHeader("date host (request-target)", signature)));

    internal static SignedRequest CavagePost(string body, string headers = "host date digest (request-target)", string signature = PostSignature) =>
        Request("POST", "https://www.example.com/activitypub/success", body, ("Host", "www.example.com"), ("Date", Date),
            ("Digest", PostDigest), ("Signature", CavageHeader(headers, signature)));

    internal static SignedRequest Rfc9421(string method, string url, string? body, string input, string signature, string? contentDigest = null)
    {
        var request = Request(method, url, body, ("Host", "www.example.com"), ("Signature-Input", input), ("Signature", signature));
        return contentDigest is null ? request : request.With("Content-Digest", contentDigest);
    }

    private static bool Verifies(SignedRequest request)
    {
        using var key = MastodonPublicKey();
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);
        Assert.True(inspection.IsValid, inspection.Error);
        return inspection.Check!.Verify(key);
    }

    [Fact]
    public void Derived_public_key_is_the_one_the_spec_prints()
    {
        using var key = MastodonSigningKey();
        Assert.Contains("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqIAYvNFGbZ5g4iiK6feS", key.ExportPublicKeyPem());
    }

    [Fact]
    public void Cavage_get_verifies_as_bob_and_re_signing_reproduces_it()
    {
        var request = CavageGet("https://www.example.com/activitypub/success", GetSignature);
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);
        using var signing = MastodonSigningKey();
        var resigned = signing.Sign(SignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes(inspection.Check!.SigningInputs[0]));

        Assert.Equal(SignatureScheme.DraftCavage, inspection.Check.Scheme);
        Assert.Equal(MastodonKeyId, inspection.Check.KeyId);
        Assert.Equal("date: Wed, 20 Dec 2023 10:00:00 GMT\nhost: www.example.com\n(request-target): get /activitypub/success", inspection.Check.SigningInputs[0]);
        Assert.Equal(GetSignature, Convert.ToBase64String(resigned));
        Assert.True(Verifies(request));
    }

    [Fact]
    public void Cavage_get_with_query_verifies()
    {
        Assert.True(Verifies(CavageGet("https://www.example.com/activitypub/success?foo=42", GetWithQuerySignature)));
    }

    [Fact]
    public void Cavage_get_signed_without_its_query_verifies_for_mastodon_compatibility()
    {
        Assert.True(Verifies(CavageGet("https://www.example.com/activitypub/success?foo=42", GetSignature)));
    }

    [Fact]
    public void Cavage_signature_for_foo_42_is_rejected_on_foo_43()
    {
        Assert.False(Verifies(CavageGet("https://www.example.com/activitypub/success?foo=43", GetWithQuerySignature)));
    }

    [Fact]
    public void Cavage_get_signature_is_rejected_on_another_path_or_method()
    {
        var otherPath = CavageGet("https://www.example.com/activitypub/alternative-path", GetSignature);
        var post = CavageGet("https://www.example.com/activitypub/success", GetSignature) with { Method = "POST" };
        using var key = MastodonPublicKey();

        Assert.False(Verifies(otherPath));
        var postInspection = HttpSignatureVerifier.Inspect(post, MastodonNow, SignatureRequirements.None);
        Assert.False(postInspection.Check!.Verify(key));
    }

    [Fact]
    public void Cavage_post_hello_world_verifies()
    {
        Assert.True(Verifies(CavagePost("Hello world")));
    }

    [Fact]
    public void Cavage_post_with_tampered_body_is_rejected_with_a_digest_mismatch()
    {
        var inspection = HttpSignatureVerifier.Inspect(CavagePost("Hello world!"), MastodonNow);

        Assert.False(inspection.IsValid);
        Assert.Equal(401, inspection.StatusCode);
        Assert.Equal(
            "Invalid Digest value. Computed SHA-256 digest: wFNeS+K3n/2TKRMFQ2v4iTFOSj+uwF7P/Lt98xrZ5Ro=; given: ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
            inspection.Error);
    }

    [Fact]
    public void Cavage_post_not_signing_the_digest_is_rejected()
    {
        const string signature = "CPD704CG8aCm8X8qIP8kkkiGp1qwFLk/wMVQHOGP0Txxan8c2DZtg/KK7eN8RG8tHx8br/yS2hJs51x4kXImYukGzNJd7ihE3T8lp+9RI1tCcdobTzr/VcVJHDFySdQkg266GCMijRQRZfNvqlJLiisr817PI+gNVBI5qV+vnVd1XhWCEZ+YSmMe8UqYARXAYNqMykTheojqGpTeTFGPUpTQA2Fmt2BipwIjcFDm2Hpihl2kB0MUS0x3zPmHDuadvzoBbN6m3usPDLgYrpALlh+wDs1dYMntcwdwawRKY1oE1XNtgOSum12wntDq3uYL4gya2iPdcw3c929b4koUzw==";
        var inspection = HttpSignatureVerifier.Inspect(CavagePost("Hello world", "host date (request-target)", signature), MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Contains("Digest", inspection.Error);
    }

    [Fact]
    public void Cavage_unparsable_date_is_rejected()
    {
        var request = CavageGet("https://www.example.com/activitypub/success", GetSignature).With("Date", "wrong date");
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Equal("Invalid Date header: not RFC 2616 compliant date: \"wrong date\"", inspection.Error);
    }

    [Fact]
    public void Cavage_request_two_days_old_is_rejected()
    {
        var request = CavageGet("https://www.example.com/activitypub/success", GetSignature).With("Date", "Mon, 18 Dec 2023 10:00:00 GMT");
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal("Signed request date outside acceptable time window", inspection.Error);
    }

    [Fact]
    public void Rfc9421_get_verifies_and_is_not_mistaken_for_cavage()
    {
        var request = Rfc9421("GET", "https://www.example.com/activitypub/success", null, Rfc9421GetInput, Rfc9421GetSignature);
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(SignatureScheme.Rfc9421, inspection.Check!.Scheme);
        Assert.Equal(MastodonKeyId, inspection.Check.KeyId);
        Assert.True(Verifies(request));
    }

    [Fact]
    public void Rfc9421_get_with_query_verifies_and_fails_on_another_query()
    {
        Assert.True(Verifies(Rfc9421("GET", "https://www.example.com/activitypub/success?foo=42", null, Rfc9421GetInput, Rfc9421GetWithQuerySignature)));
        Assert.False(Verifies(Rfc9421("GET", "https://www.example.com/activitypub/success?foo=43", null, Rfc9421GetInput, Rfc9421GetWithQuerySignature)));
    }

    [Fact]
    public void Rfc9421_get_fails_on_another_path_or_over_plain_http()
    {
        Assert.False(Verifies(Rfc9421("GET", "https://www.example.com/activitypub/alternative-path", null, Rfc9421GetInput, Rfc9421GetSignature)));
        Assert.False(Verifies(Rfc9421("GET", "http://www.example.com/activitypub/success", null, Rfc9421GetInput, Rfc9421GetSignature)));
    }

    [Fact]
    public void Rfc9421_post_verifies_with_its_signature_base()
    {
        var request = Rfc9421("POST", "https://www.example.com/activitypub/success", "Hello world", Rfc9421PostInput, Rfc9421PostSignature, Rfc9421ContentDigest);
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(
            "\"@method\": POST\n\"@target-uri\": https://www.example.com/activitypub/success\n\"content-digest\": sha-256=:ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=:\n\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=1703066400;keyid=\"https://remote.domain/users/bob#main-key\"",
            inspection.Check!.SigningInputs[0]);
        Assert.True(Verifies(request));
    }

    [Fact]
    public void Rfc9421_post_with_changed_body_fails()
    {
        var request = Rfc9421("POST", "https://www.example.com/activitypub/success", "Hello world!", Rfc9421PostInput, Rfc9421PostSignature, Rfc9421ContentDigest);
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
        Assert.Equal(
            "Invalid Digest value. Computed SHA-256 digest: wFNeS+K3n/2TKRMFQ2v4iTFOSj+uwF7P/Lt98xrZ5Ro=; given: ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
            inspection.Error);
    }

    [Fact]
    public void Rfc9421_post_with_changed_body_and_recomputed_digest_fails_verification()
    {
        var request = Rfc9421("POST", "https://www.example.com/activitypub/success", "Hello world!", Rfc9421PostInput, Rfc9421PostSignature,
            "sha-256=:wFNeS+K3n/2TKRMFQ2v4iTFOSj+uwF7P/Lt98xrZ5Ro=:");

        Assert.False(Verifies(request));
    }
}
