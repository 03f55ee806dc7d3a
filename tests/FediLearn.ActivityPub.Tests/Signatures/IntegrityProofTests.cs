using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>FEP-8b32 eddsa-jcs-2022 proofs (security.md cases 19, 20; signatures.md §3.4).</summary>
public class IntegrityProofTests
{
    private const string SecretKeyMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
    private const string PublicKeyMultibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    private const string Fep8b32ProofValue = "z42ffGu6AUKPCFcFPiabmUvnGLPJzC7e4DGWC52NUasSSH37UMa9c58tdgVszUcZfytxa4fQ5TYHaJENCxUDe9SdL";
    private const string W3cProofValue = "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX";
    private const string AliceKey = "https://server.example/users/alice#ed25519-key";
    private static readonly DateTimeOffset Created = new(2023, 2, 24, 23, 36, 38, TimeSpan.Zero);

    /// <summary>fep/8b32/fep-8b32.feature "Signing document".</summary>
    private const string Fep8b32Document = """
        {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/data-integrity/v2"
            ],
            "id": "https://server.example/activities/1",
            "type": "Create",
            "actor": "https://server.example/users/alice",
            "object": {
                "id": "https://server.example/objects/1",
                "type": "Note",
                "attributedTo": "https://server.example/users/alice",
                "content": "Hello world",
                "location": {
                    "type": "Place",
                    "longitude": -71.184902,
                    "latitude": 25.273962
                }
            }
        }
        """;

    /// <summary>The same, signed, as the feature's "Verifying a signature" scenario gives it.</summary>
    private const string Fep8b32Signed = """
        {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/data-integrity/v2"
            ],
            "id": "https://server.example/activities/1",
            "type": "Create",
            "actor": "https://server.example/users/alice",
            "object": {
                "id": "https://server.example/objects/1",
                "type": "Note",
                "attributedTo": "https://server.example/users/alice",
                "content": "Hello world",
                "location": {
                    "type": "Place",
                    "longitude": -71.184902,
                    "latitude": 25.273962
                }
            },
            "proof": {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/data-integrity/v2"
                ],
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-jcs-2022",
                "verificationMethod": "https://server.example/users/alice#ed25519-key",
                "proofPurpose": "assertionMethod",
                "proofValue": "z42ffGu6AUKPCFcFPiabmUvnGLPJzC7e4DGWC52NUasSSH37UMa9c58tdgVszUcZfytxa4fQ5TYHaJENCxUDe9SdL",
                "created": "2023-02-24T23:36:38Z"
            }
        }
        """;

    /// <summary>w3c/vc-di-eddsa TestVectors/unsigned.json.</summary>
    private const string W3cUnsigned = """
        {
          "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
          ],
          "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
          "type": ["VerifiableCredential", "AlumniCredential"],
          "name": "Alumni Credential",
          "description": "A minimum viable example of an Alumni Credential.",
          "issuer": "https://vc.example/issuers/5678",
          "validFrom": "2023-01-01T00:00:00Z",
          "credentialSubject": {
            "id": "did:example:abcdefgh",
            "alumniOf": "The School of Examples"
          }
        }
        """;

    private static byte[] Seed()
    {
        // VC-EDDSA keyPair.json: multicodec ed25519-priv (0x80 0x26) + 32-byte seed.
        var bytes = Multibase.Base58Decode(SecretKeyMultibase[1..]);
        Assert.Equal([0x80, 0x26], bytes[..2]);
        return bytes[2..];
    }

    private static SigningKey Key(string keyId) => SigningKey.FromEd25519Seed(keyId, Seed());

    private static VerificationKey PublicKey() => VerificationKey.FromMultibase(PublicKeyMultibase);

    private static bool Verifies(string json, bool requireSameOrigin = true)
    {
        var inspection = IntegrityProof.Inspect((JObject)JsonCanonicalizer.Parse(json), requireSameOrigin);
        using var key = PublicKey();
        return inspection.IsValid && inspection.Check!.Verify(key);
    }

    [Fact]
    public void Vector_secret_key_matches_the_vector_public_key()
    {
        Assert.Equal("c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6", Convert.ToHexStringLower(Seed()));
        Assert.Equal(PublicKeyMultibase, Multibase.EncodeEd25519PublicKey(Ed25519.PublicKeyFromSeed(Seed())));
    }

    [Fact]
    public void Fep8b32_hashes_match_the_published_values()
    {
        var document = (JObject)JsonCanonicalizer.Parse(Fep8b32Document);
        var proofOptions = (JObject)((JObject)JsonCanonicalizer.Parse(Fep8b32Signed))["proof"]!;
        proofOptions.Remove("proofValue");

        Assert.Equal(
            "{\"@context\":[\"https://www.w3.org/ns/activitystreams\",\"https://w3id.org/security/data-integrity/v2\"],\"actor\":\"https://server.example/users/alice\",\"id\":\"https://server.example/activities/1\",\"object\":{\"attributedTo\":\"https://server.example/users/alice\",\"content\":\"Hello world\",\"id\":\"https://server.example/objects/1\",\"location\":{\"latitude\":25.273962,\"longitude\":-71.184902,\"type\":\"Place\"},\"type\":\"Note\"},\"type\":\"Create\"}",
            JsonCanonicalizer.Canonicalize(document));
        Assert.Equal(
            "cf63e2308ce7d1137667192c5c5e751ba7b1c6e3d5e746a7b717d309654ad198" + "0793e8d97e2de4b989b2b2d7a5fae8cf941f102a03c0ecab00f03eaa2330c650",
            Convert.ToHexStringLower(IntegrityProof.HashData(proofOptions, document)));
    }

    [Fact]
    public void Signing_the_fep8b32_document_gives_the_published_proof_value()
    {
        using var key = Key(AliceKey);

        var signed = (JObject)JsonCanonicalizer.Parse(IntegrityProof.Sign(Fep8b32Document, key, Created));

        Assert.Equal(Fep8b32ProofValue, (string?)signed["proof"]!["proofValue"]);
        Assert.Equal("2023-02-24T23:36:38Z", (string?)signed["proof"]!["created"]);
        Assert.Equal(AliceKey, (string?)signed["proof"]!["verificationMethod"]);
    }

    [Fact]
    public void Fep8b32_signed_document_verifies_with_the_actor_multikey()
    {
        var inspection = IntegrityProof.Inspect(Fep8b32Signed);

        Assert.Equal(AliceKey, inspection.Check!.VerificationMethod);
        Assert.Equal(Created, inspection.Check.Created);
        Assert.True(Verifies(Fep8b32Signed));
    }

    [Fact]
    public void Changing_hello_world_to_hello_World_fails_verification()
    {
        Assert.False(Verifies(Fep8b32Signed.Replace("Hello world", "Hello World")));
    }

    [Fact]
    public void Changing_a_number_or_the_created_time_fails_verification()
    {
        Assert.False(Verifies(Fep8b32Signed.Replace("25.273962", "25.273963")));
        Assert.False(Verifies(Fep8b32Signed.Replace("\"created\": \"2023-02-24T23:36:38Z\"", "\"created\": \"2023-02-24T23:36:39Z\"")));
    }

    [Fact]
    public void Whitespace_and_member_order_do_not_matter()
    {
        var reordered = (JObject)JsonCanonicalizer.Parse(Fep8b32Signed);
        var compact = new JObject(reordered.Properties().Reverse());

        Assert.True(Verifies(compact.ToString(Newtonsoft.Json.Formatting.None)));
    }

    [Fact]
    public void Legacy_ld_signature_added_after_the_proof_is_ignored()
    {
        var withLegacy = (JObject)JsonCanonicalizer.Parse(Fep8b32Signed);
        withLegacy["signature"] = new JObject { ["type"] = "RsaSignature2017", ["signatureValue"] = "AAAA" };

        Assert.True(Verifies(withLegacy.ToString()));
    }

    [Fact]
    public void Another_ed25519_key_does_not_verify()
    {
        var (_, otherPublic) = KeyGenerator.NewEd25519();
        using var other = VerificationKey.FromEd25519(otherPublic);
        using var rsa = VerificationKey.FromPem(KeyGenerator.NewRsa2048().PublicKeyPem);
        var check = IntegrityProof.Inspect(Fep8b32Signed).Check!;

        Assert.False(check.Verify(other));
        Assert.False(check.Verify(rsa));
    }

    [Fact]
    public void W3c_eddsa_jcs_2022_vector_reproduces()
    {
        using var key = Key($"did:key:{PublicKeyMultibase}#{PublicKeyMultibase}");

        var signed = IntegrityProof.Sign((JObject)JsonCanonicalizer.Parse(W3cUnsigned), key, Created);

        Assert.Equal(W3cProofValue, (string?)signed["proof"]!["proofValue"]);
        Assert.True(Verifies(signed.ToString(), requireSameOrigin: false));
        Assert.False(Verifies(signed.ToString().Replace("The School of Examples", "The School of Exemples"), requireSameOrigin: false));
    }

    [Fact]
    public void Verification_method_on_another_origin_than_the_object_is_rejected()
    {
        using var key = Key("https://attacker.example/users/mallory#ed25519-key");
        var signed = IntegrityProof.Sign(Fep8b32Document, key, Created);

        var inspection = IntegrityProof.Inspect(signed);

        Assert.False(inspection.IsValid);
        Assert.Contains("origin", inspection.Error);
        Assert.True(Verifies(signed, requireSameOrigin: false));
    }

    [Theory]
    [InlineData("\"cryptosuite\": \"eddsa-jcs-2022\"", "\"cryptosuite\": \"eddsa-rdfc-2022\"")]
    [InlineData("\"proofPurpose\": \"assertionMethod\"", "\"proofPurpose\": \"authentication\"")]
    [InlineData("\"type\": \"DataIntegrityProof\"", "\"type\": \"Ed25519Signature2020\"")]
    [InlineData("\"created\": \"2023-02-24T23:36:38Z\"", "\"created\": \"yesterday\"")]
    [InlineData("\"proofValue\": \"z42ff", "\"proofValue\": \"u42ff")]
    public void Wrong_suite_purpose_type_created_encoding_or_context_is_not_verified(string from, string to)
    {
        var changed = Fep8b32Signed.Replace(from, to);
        Assert.NotEqual(Fep8b32Signed, changed);

        Assert.False(IntegrityProof.Inspect(changed).IsValid);
    }

    [Fact]
    public void Proof_context_that_is_not_a_prefix_of_the_document_context_is_not_verified()
    {
        var document = (JObject)JsonCanonicalizer.Parse(Fep8b32Signed);
        document["proof"]!["@context"] = new JArray("https://w3id.org/security/data-integrity/v2");

        Assert.False(IntegrityProof.Inspect(document).IsValid);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"id\":\"https://a.example/1\"}")]
    [InlineData("{\"proof\":[{},{}]}")]
    [InlineData("not json")]
    public void Missing_or_malformed_proof_is_invalid_without_exception(string json)
    {
        Assert.False(IntegrityProof.Inspect(json).IsValid);
    }

    [Fact]
    public void Rsa_key_cannot_sign_a_proof()
    {
        using var rsa = SigningKey.FromPem("k", KeyGenerator.NewRsa2048().PrivateKeyPem);

        Assert.Throws<NotSupportedException>(() => IntegrityProof.Sign(Fep8b32Document, rsa, Created));
    }

    [Fact]
    public void Generated_key_round_trips()
    {
        var (seed, publicKey) = KeyGenerator.NewEd25519();
        using var signing = SigningKey.FromEd25519Seed(AliceKey, seed);
        using var verifying = VerificationKey.FromEd25519(publicKey);

        var signed = IntegrityProof.Sign(Fep8b32Document, signing, DateTimeOffset.UtcNow);

        Assert.True(IntegrityProof.Inspect(signed).Check!.Verify(verifying));
    }
}
