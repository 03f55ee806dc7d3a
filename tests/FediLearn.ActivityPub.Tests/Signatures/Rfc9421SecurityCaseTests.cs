using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>security.md case 17: RFC 9421 policy (created, coverage, Content-Digest, format selection).</summary>
public class Rfc9421SecurityCaseTests
{
    private const string Url = "https://www.example.com/activitypub/success";

    /// <summary>Signs with the Mastodon key over <paramref name="components"/> plus <paramref name="parameters"/>.</summary>
    private static SignedRequest Signed(SignedRequest request, string components, string parameters)
    {
        using var key = MastodonSigningKey();
        var signatureParams = $"({components}){parameters}";
        var names = components.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim('"')).ToList();
        var signatureBase = Rfc9421Verifier.BuildSignatureBase(request, names, signatureParams, null, out _)!;
        var signature = Convert.ToBase64String(key.Sign(SignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes(signatureBase)));
        return request.With("Signature-Input", "sig1=" + signatureParams).With("Signature", $"sig1=:{signature}:");
    }

    private static string Params(DateTimeOffset created) =>
        $";created={created.ToUnixTimeSeconds()};keyid=\"{MastodonKeyId}\"";

    private static SignedRequest Get() => Request("GET", Url, null, ("Host", "www.example.com"));

    private static SignedRequest Post(string contentDigest = "sha-256=:ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=:") =>
        Request("POST", Url, "Hello world", ("Host", "www.example.com"), ("Content-Digest", contentDigest));

    private static bool Accepted(SignedRequest request)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);
        using var key = MastodonPublicKey();
        return inspection.IsValid && inspection.Check!.Verify(key);
    }

    [Fact]
    public void Fresh_get_covering_method_and_target_uri_is_accepted()
    {
        Assert.True(Accepted(Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow))));
    }

    [Fact]
    public void Created_two_days_old_is_rejected()
    {
        var request = Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow.AddDays(-2)));

        Assert.Equal(TimeWindow.OutsideWindow, HttpSignatureVerifier.Inspect(request, MastodonNow).Error);
    }

    [Fact]
    public void Created_more_than_an_hour_ahead_is_rejected()
    {
        var request = Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow.AddMinutes(61)));

        Assert.False(Accepted(request));
    }

    [Fact]
    public void Expires_in_the_past_beyond_the_skew_is_rejected()
    {
        var created = MastodonNow.AddHours(-3);
        var request = Signed(Get(), "\"@method\" \"@target-uri\"",
            $";created={created.ToUnixTimeSeconds()};expires={created.AddHours(1).ToUnixTimeSeconds()};keyid=\"{MastodonKeyId}\"");
        var longLived = Signed(Get(), "\"@method\" \"@target-uri\"",
            $";created={created.ToUnixTimeSeconds()};expires={created.AddHours(6).ToUnixTimeSeconds()};keyid=\"{MastodonKeyId}\"");

        Assert.False(Accepted(request));
        Assert.True(Accepted(longLived));
    }

    [Fact]
    public void Missing_created_is_rejected_but_allowed_without_requirements()
    {
        var request = Signed(Get(), "\"@method\" \"@target-uri\"", $";keyid=\"{MastodonKeyId}\"");

        Assert.Equal(401, HttpSignatureVerifier.Inspect(request, MastodonNow).StatusCode);
        Assert.True(HttpSignatureVerifier.Inspect(request, MastodonNow, SignatureRequirements.None).IsValid);
    }

    [Fact]
    public void Missing_keyid_is_rejected()
    {
        var request = Signed(Get(), "\"@method\" \"@target-uri\"", $";created={MastodonNow.ToUnixTimeSeconds()}");

        Assert.Equal(401, HttpSignatureVerifier.Inspect(request, MastodonNow, SignatureRequirements.None).StatusCode);
    }

    [Theory]
    [InlineData("\"@target-uri\"")]
    [InlineData("\"@method\"")]
    [InlineData("\"@method\" \"@authority\" \"@path\"")]
    public void Uncovered_method_or_target_uri_is_rejected(string components)
    {
        var request = Signed(Get(), components, Params(MastodonNow));

        Assert.Equal(401, HttpSignatureVerifier.Inspect(request, MastodonNow).StatusCode);
    }

    [Fact]
    public void Post_without_content_digest_covered_is_rejected_and_its_covered_twin_accepted()
    {
        var uncovered = Signed(Post(), "\"@method\" \"@target-uri\"", Params(MastodonNow));
        var covered = Signed(Post(), "\"@method\" \"@target-uri\" \"content-digest\"", Params(MastodonNow));

        Assert.Equal(401, HttpSignatureVerifier.Inspect(uncovered, MastodonNow).StatusCode);
        Assert.True(Accepted(covered));
    }

    [Fact]
    public void Uppercase_content_digest_key_is_a_400()
    {
        // Mastodon's fixture "with a malformed `Content-Digest` header".
        var request = Request("POST", Url, "Hello world",
            ("Host", "www.example.com"),
            ("Content-Digest", "SHA-256=:ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=:"),
            ("Signature-Input", "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1703066400;keyid=\"https://remote.domain/users/bob#main-key\""),
            ("Signature", "sig1=:aXua24cIlBi8akNXg/Vc5pU8fNGXo0f4U2qQk42iWoIaCcH3G+z2edPMQTNM/aZmD0bULqvb/yi6ZXgRls1ereq3OqnvA4JBLKx15O/jLayS/FhR4d/2vaeXuBOYXM7EGXItKkFxEXn3J+FCQPb5wY31GlbljrESjsiZ6gtrSmwryBluQCwMJ59LACzocxbWo42Kv3cpSig2aCu9CYXKC4sCH3eSKjwPtjdlpmX1VkYX5ge+JaZMn7A218ZgZOc9xpPawESOuIF9axcKW5PDEhOwmswFd2G65c8H9kJY6zEnqbArP9lRQMmjuAb011NILClaaRZOOupz2HZUdm+91Q==:"));

        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(400, inspection.StatusCode);
        Assert.Equal("Content-Digest could not be parsed. It does not contain a valid RFC8941 dictionary.", inspection.Error);
    }

    [Theory]
    [InlineData("md5=:XrY7u+Ae7tCTyyK7j1rNww==:", 401)]
    [InlineData("sha-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=", 400)]
    [InlineData("sha-256=:not base64:", 400)]
    public void Unusable_content_digest_is_rejected_without_exception(string contentDigest, int status)
    {
        var request = Signed(Post(contentDigest), "\"@method\" \"@target-uri\" \"content-digest\"", Params(MastodonNow));

        Assert.Equal(status, HttpSignatureVerifier.Inspect(request, MastodonNow).StatusCode);
    }

    [Fact]
    public void Signature_input_present_selects_rfc9421_even_with_a_valid_cavage_signature()
    {
        var cavage = MastodonFixtureTests.CavageGet(Url, "Z8ilar3J7bOwqZkMp7sL8sRs4B1FT+UorbmvWoE+A5UeoOJ3KBcUmbsh+k3wQwbP5gMNUrra9rEWabpasZGphLsbDxfbsWL3Cf0PllAc7c1c7AFEwnewtExI83/qqgEkfWc2z7UDutXc2NfgAx89Ox8DXU/fA2GG0jILjB6UpFyNugkY9rg6oI31UnvfVi3R7sr3/x8Ea3I9thPvqI2byF6cojknSpDAwYzeKdngX3TAQEGzFHz3SDWwyp3jeMWfwvVVbM38FxhvAnSumw7YwWW4L7M7h4M68isLimoT3yfCn2ucBVL5Dz8koBpYf/40w7QidClAwCafZQFC29yDOg==");
        var mixed = cavage.With("Signature-Input", "sig1=(\"@method\" \"@target-uri\");created=1703066400;keyid=\"x\"");

        Assert.True(Accepted(cavage));
        Assert.False(HttpSignatureVerifier.Inspect(mixed, MastodonNow).IsValid);
    }

    [Fact]
    public void Only_the_first_label_is_used()
    {
        var request = Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow));
        var withSecond = request
            .With("Signature-Input", request.Header("Signature-Input") + ", sig2=(\"@method\");created=1703066400;keyid=\"other\"")
            .With("Signature", request.Header("Signature") + ", sig2=:AAAA:");

        var inspection = HttpSignatureVerifier.Inspect(withSecond, MastodonNow);

        Assert.Equal(MastodonKeyId, inspection.Check!.KeyId);
        Assert.True(Accepted(withSecond));
    }

    [Theory]
    [InlineData("sig1=(\"@method\" \"@target-uri\";sf);created=1703066400;keyid=\"k\"")]
    [InlineData("sig1=(\"@method\" \"@method\" \"@target-uri\");created=1703066400;keyid=\"k\"")]
    [InlineData("sig1=(\"@method\" \"@target-uri\");created=1703066400;keyid=\"k\";alg=\"rsa-v1_5-sha1\"")]
    [InlineData("sig1=(\"@method\" \"@target-uri\");created=1703066400;keyid=\"k\";alg=\"hmac-sha256\"")]
    [InlineData("sig1=(\"@method\" \"@target-uri\");created=99999999999999999;keyid=\"k\"")]
    [InlineData("sig1=(\"@method\" \"@target-uri\");created=\"yesterday\";keyid=\"k\"")]
    [InlineData("sig1=\"not a list\"")]
    [InlineData("SIG1=()")]
    [InlineData("")]
    public void Malformed_or_unsupported_signature_input_is_a_401(string input)
    {
        var request = Get().With("Signature-Input", input).With("Signature", "sig1=:AAAA:");

        var inspection = HttpSignatureVerifier.Inspect(request, MastodonNow);

        Assert.Equal(401, inspection.StatusCode);
    }

    [Fact]
    public void Explicit_alg_restricts_the_primitive()
    {
        var pkcs1 = Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow) + ";alg=\"rsa-v1_5-sha256\"");
        var claimsPss = Signed(Get(), "\"@method\" \"@target-uri\"", Params(MastodonNow) + ";alg=\"rsa-pss-sha512\"");

        Assert.True(Accepted(pkcs1));
        Assert.False(Accepted(claimsPss));
    }
}
