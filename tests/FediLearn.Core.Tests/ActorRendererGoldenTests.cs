using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>Our actor documents (federation.md items 5-6), pinned by golden files and checked for the fields peers rely on.</summary>
public sealed class ActorRendererGoldenTests
{
    /// <summary>A fixed RSA-2048 SPKI public key (generated once with openssl; its private half was discarded).</summary>
    private const string RsaPublicKeyPem = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoF4/0Yhm/XSPKvK2rTsm
        qBhRXR0R29s7nxPzTSswfYjPWu2QRdkGtBkbZRna357AMvsv57bKX4Nrld3BlHfn
        2x9DAvA62LJARPNgxVOj9K1+3mkX6M0nnaU2UN8ePB+HkS5xvuNxMyHTKhJbhNCK
        aAn+yzZe/+1zp8IzUUKk2GRultZ+fTHlblraBWNoEe1aW8ve2mYPuMubcfaDkq9k
        2ThDEMTJ42FINj+pIvJFVoEEnhG54mTe2ek7BYiQV9wIaa3B2U8hazvE70x6Hbat
        wUPbhjG7+EVGUzy9zAApoLadtkqy43KCHbik8HAI1Yo6vcR5ySu2dpNlDGWPucQ3
        DwIDAQAB
        -----END PUBLIC KEY-----
        """;

    /// <summary>RFC 8032 §7.1 test 1 public key.</summary>
    private static readonly byte[] Ed25519PublicKey = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

    private static readonly DateTime CreatedAt = new(2026, 3, 14, 9, 26, 53, DateTimeKind.Utc);

    private static readonly ActorRenderer Renderer =
        new(new ActorUrls(Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { PublicUrl = TestNode.PublicUrl })), TimeProvider.System);

    [Fact]
    public void Group_actor_matches_golden_file()
    {
        var doc = Renderer.Render(Actor(ActorKind.Group, "rust_circle", "Rust circle",
            "Learning Rust together, one chapter a week.\n\nBeginners <welcome> & \"friends\".", manuallyApproves: true));
        AssertCommonActorShape(doc, "https://coop.example/g/rust_circle", "Group");
        Assert.Equal("https://coop.example/g/rust_circle/moderators", doc.Value<string>("attributedTo"));
        Assert.Equal("Image", doc["icon"]?.Value<string>("type"));
        Assert.True(doc.Value<bool>("manuallyApprovesFollowers"));
        Assert.Equal("<p>Learning Rust together, one chapter a week.</p><p>Beginners &lt;welcome&gt; &amp; &quot;friends&quot;.</p>",
            doc.Value<string>("summary"));
        GoldenFile.AssertMatches("group-actor.json", doc);
    }

    [Fact]
    public void Person_actor_matches_golden_file()
    {
        var doc = Renderer.Render(Actor(ActorKind.Person, "alice", "Alice", null, manuallyApproves: false));
        AssertCommonActorShape(doc, "https://coop.example/u/alice", "Person");
        Assert.False(doc.Value<bool>("manuallyApprovesFollowers"));
        GoldenFile.AssertMatches("person-actor.json", doc);
    }

    [Fact]
    public void Instance_actor_matches_golden_file()
    {
        var doc = Renderer.Render(Actor(ActorKind.Application, ActorUrls.InstanceActorName, "Coop FediLearn",
            "The instance actor of this FediLearn node. It signs requests on the node's behalf.", manuallyApproves: true));
        AssertCommonActorShape(doc, "https://coop.example/actor", "Application");
        Assert.True(doc.Value<bool>("manuallyApprovesFollowers"));
        Assert.False(doc.Value<bool>("discoverable"));
        GoldenFile.AssertMatches("instance-actor.json", doc);
    }

    /// <summary>What federation.md items 5-6 require of every actor, checked independently of the golden files.</summary>
    private static void AssertCommonActorShape(JObject doc, string id, string type)
    {
        Assert.Equal(id, doc.Value<string>("id"));
        Assert.Equal(type, doc.Value<string>("type"));
        var context = Assert.IsType<JArray>(doc["@context"]);
        Assert.Contains(context, c => c.Type == JTokenType.String && (string)c! == "https://www.w3.org/ns/activitystreams");
        Assert.Contains(context, c => c.Type == JTokenType.String && (string)c! == "https://w3id.org/security/v1");
        foreach (var field in new[] { "preferredUsername", "name", "summary", "url", "inbox", "outbox", "followers", "following", "featured",
                     "manuallyApprovesFollowers", "discoverable" })
            Assert.True(doc[field] is not null, $"{type} actor lacks {field}");
        Assert.Equal($"{TestNode.PublicUrl}/inbox", doc["endpoints"]?.Value<string>("sharedInbox"));

        var publicKey = Assert.IsType<JObject>(doc["publicKey"]);
        Assert.Equal(id + "#main-key", publicKey.Value<string>("id"));
        Assert.Equal(id, publicKey.Value<string>("owner"));
        using (var key = VerificationKey.FromPem(publicKey.Value<string>("publicKeyPem")!))
            Assert.Equal(2048, key.KeySizeBits); // RSA 2048, SPKI PEM (federation.md item 6)
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", publicKey.Value<string>("publicKeyPem"));

        var method = Assert.IsType<JObject>(Assert.Single(Assert.IsType<JArray>(doc["assertionMethod"])));
        Assert.Equal("Multikey", method.Value<string>("type"));
        Assert.Equal(id, method.Value<string>("controller"));
        Assert.Equal(id + "#ed25519-key", method.Value<string>("id"));
        var multibase = method.Value<string>("publicKeyMultibase")!;
        Assert.StartsWith("z6Mk", multibase);
        Assert.Equal(Ed25519PublicKey, Multibase.DecodeEd25519PublicKey(multibase));
    }

    private static LocalActor Actor(ActorKind kind, string name, string displayName, string? summary, bool manuallyApproves) => new()
    {
        Id = 7,
        Kind = kind,
        Name = name,
        DisplayName = displayName,
        Summary = summary,
        ManuallyApprovesFollowers = manuallyApproves,
        Discoverable = true,
        RsaPublicKeyPem = RsaPublicKeyPem,
        RsaPrivateKeyPem = "not used by the renderer",
        Ed25519PublicKey = Ed25519PublicKey,
        Ed25519Seed = new byte[32],
        CreatedAt = CreatedAt,
    };
}
