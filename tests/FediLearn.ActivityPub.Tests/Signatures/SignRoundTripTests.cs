using System.Net.Http.Headers;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>
/// Our signer against our verifier with a fresh RSA-2048 key (security.md case 8 shape; federation.md
/// item 20), and that the signature stops verifying when the path, host or body changes.
/// </summary>
public sealed class SignRoundTripTests : IDisposable
{
    private const string KeyId = "https://a.example/users/al#main-key";
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly (string PrivateKeyPem, string PublicKeyPem) Pair = KeyGenerator.NewRsa2048();
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"type\":\"Create\",\"id\":\"https://a.example/activities/1\"}");

    private readonly SigningKey _signing = SigningKey.FromPem(KeyId, Pair.PrivateKeyPem);
    private readonly VerificationKey _verifying = VerificationKey.FromPem(Pair.PublicKeyPem);

    public void Dispose()
    {
        _signing.Dispose();
        _verifying.Dispose();
    }

    private static HttpRequestMessage Post(string url = "https://b.example/users/bo/inbox?x=1")
    {
        var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/activity+json");
        return message;
    }

    private static HttpRequestMessage Get(string url = "https://b.example/users/bo?page=2")
    {
        var message = new HttpRequestMessage(HttpMethod.Get, url);
        message.Headers.Accept.ParseAdd("application/activity+json");
        message.Headers.Accept.ParseAdd("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
        return message;
    }

    private (SignatureInspection Inspection, bool Verified) Receive(SignedRequest request)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, Now.AddSeconds(3));
        return (inspection, inspection.IsValid && inspection.Check!.Verify(_verifying));
    }

    private static void Sign(SignatureScheme scheme, HttpRequestMessage message, byte[]? body, SigningKey key)
    {
        if (scheme == SignatureScheme.DraftCavage)
        {
            HttpSignatureSigner.SignDraftCavage(message, body, key, Now);
        }
        else
        {
            HttpSignatureSigner.SignRfc9421(message, body, key, Now);
        }
    }

    [Fact]
    public void Generated_rsa_key_is_2048_bit_spki_and_pkcs8()
    {
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", Pair.PrivateKeyPem);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", Pair.PublicKeyPem);
        Assert.Equal(KeyAlgorithm.Rsa, _verifying.Algorithm);
        Assert.Equal(2048, _verifying.KeySizeBits);
        Assert.Equal(KeyId, _signing.KeyId);
    }

    [Fact]
    public void Cavage_post_carries_mastodon_headers_and_verifies()
    {
        using var message = Post();
        HttpSignatureSigner.SignDraftCavage(message, Body, _signing, Now);
        var signature = message.Headers.GetValues("Signature").Single();

        Assert.Equal("b.example", message.Headers.Host);
        Assert.Equal("Sun, 01 Mar 2026 12:00:00 GMT", message.Headers.GetValues("Date").Single());
        Assert.Equal("SHA-256=" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Body)), message.Headers.GetValues("Digest").Single());
        Assert.Contains($"keyId=\"{KeyId}\"", signature);
        Assert.Contains("algorithm=\"rsa-sha256\"", signature);
        Assert.Contains("headers=\"(request-target) host date digest content-type\"", signature);
        var (inspection, verified) = Receive(FromMessage(message, Body));
        Assert.Equal("(request-target): post /users/bo/inbox?x=1", inspection.Check!.SigningInputs[0].Split('\n')[0]);
        Assert.True(verified);
    }

    [Fact]
    public void Cavage_get_signs_accept_and_verifies()
    {
        using var message = Get();
        HttpSignatureSigner.SignDraftCavage(message, null, _signing, Now);

        Assert.Contains("headers=\"(request-target) host date accept\"", message.Headers.GetValues("Signature").Single());
        Assert.True(Receive(FromMessage(message, null)).Verified);
    }

    [Fact]
    public void Cavage_get_without_accept_leaves_it_out()
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "https://b.example/users/bo");
        HttpSignatureSigner.SignDraftCavage(message, null, _signing, Now);

        Assert.Contains("headers=\"(request-target) host date\"", message.Headers.GetValues("Signature").Single());
        Assert.True(Receive(FromMessage(message, null)).Verified);
    }

    [Fact]
    public void Rfc9421_post_carries_content_digest_and_verifies()
    {
        using var message = Post();
        HttpSignatureSigner.SignRfc9421(message, Body, _signing, Now);

        Assert.Equal("sha-256=:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Body)) + ":", message.Headers.GetValues("Content-Digest").Single());
        Assert.Equal(
            $"sig1=(\"@method\" \"@target-uri\" \"@authority\" \"content-digest\" \"content-type\" \"date\");created={Now.ToUnixTimeSeconds()};keyid=\"{KeyId}\";alg=\"rsa-v1_5-sha256\"",
            message.Headers.GetValues("Signature-Input").Single());
        Assert.StartsWith("sig1=:", message.Headers.GetValues("Signature").Single());
        Assert.True(Receive(FromMessage(message, Body)).Verified);
    }

    [Theory]
    [InlineData(SignatureScheme.DraftCavage)]
    [InlineData(SignatureScheme.Rfc9421)]
    public void Signature_fails_after_changing_the_path(SignatureScheme scheme)
    {
        using var message = Post();
        Sign(scheme, message, Body, _signing);
        var received = FromMessage(message, Body);

        Assert.True(Receive(received).Verified);
        Assert.False(Receive(received with { Uri = new Uri("https://b.example/users/eve/inbox?x=1") }).Verified);
    }

    [Theory]
    [InlineData(SignatureScheme.DraftCavage)]
    [InlineData(SignatureScheme.Rfc9421)]
    public void Signature_fails_after_changing_the_host(SignatureScheme scheme)
    {
        using var message = Get();
        Sign(scheme, message, null, _signing);
        var received = FromMessage(message, null);
        var otherHost = (received with { Uri = new Uri("https://c.example/users/bo?page=2") }).With("Host", "c.example");

        Assert.True(Receive(received).Verified);
        Assert.False(Receive(otherHost).Verified);
    }

    [Theory]
    [InlineData(SignatureScheme.DraftCavage)]
    [InlineData(SignatureScheme.Rfc9421)]
    public void Signature_fails_after_changing_the_body(SignatureScheme scheme)
    {
        using var message = Post();
        Sign(scheme, message, Body, _signing);
        var changed = Encoding.UTF8.GetBytes("{\"type\":\"Delete\",\"id\":\"https://a.example/activities/1\"}");

        Assert.True(Receive(FromMessage(message, Body)).Verified);
        var (inspection, verified) = Receive(FromMessage(message, changed));
        Assert.False(verified);
        Assert.Equal(401, inspection.StatusCode);
    }

    [Theory]
    [InlineData(SignatureScheme.DraftCavage)]
    [InlineData(SignatureScheme.Rfc9421)]
    public void Signature_fails_with_another_key(SignatureScheme scheme)
    {
        using var message = Post();
        Sign(scheme, message, Body, _signing);
        var (_, otherPublic) = KeyGenerator.NewRsa2048();
        using var other = VerificationKey.FromPem(otherPublic);

        Assert.False(HttpSignatureVerifier.Inspect(FromMessage(message, Body), Now).Check!.Verify(other));
    }

    [Theory]
    [InlineData(SignatureScheme.DraftCavage)]
    [InlineData(SignatureScheme.Rfc9421)]
    public void Ed25519_key_round_trips_in_both_schemes(SignatureScheme scheme)
    {
        var (seed, publicKey) = KeyGenerator.NewEd25519();
        using var signing = SigningKey.FromEd25519Seed("https://a.example/users/al#ed25519-key", seed);
        using var verifying = VerificationKey.FromMultibase(Multibase.EncodeEd25519PublicKey(publicKey));
        using var message = Post();
        Sign(scheme, message, Body, signing);

        var inspection = HttpSignatureVerifier.Inspect(FromMessage(message, Body), Now);

        Assert.True(inspection.Check!.Verify(verifying));
        Assert.False(inspection.Check.Verify(_verifying));
    }

    [Fact]
    public void Signing_twice_replaces_rather_than_duplicates_the_headers()
    {
        using var message = Post();
        HttpSignatureSigner.SignRfc9421(message, Body, _signing, Now);
        HttpSignatureSigner.SignRfc9421(message, Body, _signing, Now.AddSeconds(1));

        Assert.Single(message.Headers.GetValues("Signature"));
        Assert.Single(message.Headers.GetValues("Signature-Input"));
        Assert.True(Receive(FromMessage(message, Body)).Verified);
    }
}
