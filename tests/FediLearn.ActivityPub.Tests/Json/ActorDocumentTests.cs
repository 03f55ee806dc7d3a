using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Json;

public class ActorDocumentTests
{
    private static ActorDocument ParseFixture(string path) =>
        ActorDocument.Parse(ActivityJson.Parse(FixtureReaderTests.Read(path)));

    [Fact]
    public void Mastodon_actor_is_read_completely()
    {
        var actor = ParseFixture("mastodon/actor.json");

        Assert.Equal("https://framapiaf.org/users/peertube", actor.Id);
        Assert.Equal("Person", actor.Type);
        Assert.Equal("peertube", actor.PreferredUsername);
        Assert.Equal("PeerTube", actor.Name);
        Assert.StartsWith("<p>PeerTube Software", actor.Summary);
        Assert.Equal("https://framapiaf.org/users/peertube/inbox", actor.Inbox);
        Assert.Equal("https://framapiaf.org/inbox", actor.SharedInbox);
        Assert.Equal("https://framapiaf.org/users/peertube/outbox", actor.Outbox);
        Assert.Equal("https://framapiaf.org/users/peertube/followers", actor.Followers);
        Assert.Equal("https://framapiaf.org/@peertube", actor.Url);
        Assert.False(actor.ManuallyApprovesFollowers);
        var key = Assert.Single(actor.PublicKeys);
        Assert.Equal("https://framapiaf.org/users/peertube#main-key", key.Id);
        Assert.Equal(actor.Id, key.Owner);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\nMIIBIjAN", key.PublicKeyPem);
        Assert.Empty(actor.AssertionMethods);
    }

    [Fact]
    public void Lemmy_community_is_a_group_with_a_shared_inbox()
    {
        var group = ParseFixture("lemmy/group.json");

        Assert.Equal("Group", group.Type);
        Assert.Equal("tenforward", group.PreferredUsername);
        Assert.Equal("https://enterprise.lemmy.ml/inbox", group.SharedInbox);
        Assert.Equal("https://enterprise.lemmy.ml/c/tenforward/followers", group.Followers);
        Assert.Null(group.Url);
        Assert.Equal("https://enterprise.lemmy.ml/c/tenforward#main-key", Assert.Single(group.PublicKeys).Id);
    }

    [Fact]
    public void Type_array_with_an_actor_type_is_accepted()
    {
        var actor = ParseFixture("mastodon/actor-type-array-spec-fixture.json");
        Assert.Equal("Person", actor.Type);
    }

    private static JObject Minimal() => ActivityJson.Parse("""
        {"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"],
         "id":"https://coop.example/g/rust","type":"Group","inbox":"https://coop.example/g/rust/inbox"}
        """);

    [Fact]
    public void Minimal_actor_has_no_optional_fields()
    {
        var actor = ActorDocument.Parse(Minimal());

        Assert.Null(actor.PreferredUsername);
        Assert.Null(actor.SharedInbox);
        Assert.Empty(actor.PublicKeys);
        Assert.False(actor.ManuallyApprovesFollowers);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("inbox")]
    [InlineData("type")]
    [InlineData("@context")]
    public void Actor_without_a_required_member_is_rejected(string member)
    {
        var json = Minimal();
        json.Remove(member);
        Assert.Throws<ActivityJsonException>(() => ActorDocument.Parse(json));
    }

    [Theory]
    [InlineData("type", "\"Note\"")]
    [InlineData("type", "[\"Note\",\"Article\"]")]
    [InlineData("@context", "\"https://example.com/context\"")]
    [InlineData("@context", "[{\"as\":\"https://www.w3.org/ns/activitystreams#\"}]")]
    [InlineData("id", "42")]
    [InlineData("id", "\"javascript:alert(1)\"")]
    [InlineData("inbox", "\"not a url\"")]
    [InlineData("inbox", "{\"type\":\"OrderedCollection\"}")]
    public void Actor_with_an_unusable_required_member_is_rejected(string member, string value)
    {
        var json = Minimal();
        json[member] = JToken.Parse(value);
        Assert.Throws<ActivityJsonException>(() => ActorDocument.Parse(json));
    }

    [Fact]
    public void Plain_string_context_and_top_level_shared_inbox_are_accepted()
    {
        var json = Minimal();
        json["@context"] = AsConstants.ActivityStreamsContext;
        json["sharedInbox"] = "https://coop.example/inbox";
        json["manuallyApprovesFollowers"] = true;

        var actor = ActorDocument.Parse(json);

        Assert.Equal("https://coop.example/inbox", actor.SharedInbox);
        Assert.True(actor.ManuallyApprovesFollowers);
    }

    [Fact]
    public void Manually_approves_followers_is_not_coerced_from_a_string()
    {
        var json = Minimal();
        json["manuallyApprovesFollowers"] = "true";
        Assert.False(ActorDocument.Parse(json).ManuallyApprovesFollowers);
    }

    [Fact]
    public void Public_key_array_is_read_up_to_ten_entries_and_keys_without_owner_are_skipped()
    {
        var json = Minimal();
        var keys = new JArray();
        keys.Add(new JObject { ["id"] = "https://coop.example/g/rust#no-owner", ["publicKeyPem"] = "PEM" });
        for (var i = 0; i < 12; i++)
            keys.Add(new JObject { ["id"] = $"https://coop.example/g/rust#k{i}", ["owner"] = "https://coop.example/g/rust", ["publicKeyPem"] = "PEM" });
        json["publicKey"] = keys;

        var actor = ActorDocument.Parse(json);

        Assert.Equal(9, actor.PublicKeys.Count); // the first 10 entries, minus the one without owner
        Assert.DoesNotContain(actor.PublicKeys, k => k.Id.EndsWith("#no-owner"));
    }

    [Fact]
    public void Multikeys_in_assertion_method_are_read_and_other_entries_ignored()
    {
        // Shape of FEP-521a / Fedify actors: assertionMethod is an array of Multikey objects.
        var json = Minimal();
        json["assertionMethod"] = JArray.Parse("""
            [{"id":"https://coop.example/g/rust#ed25519-key","type":"Multikey","controller":"https://coop.example/g/rust",
              "publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"},
             "https://coop.example/g/rust#referenced",
             {"id":"https://coop.example/g/rust#rsa","type":"JsonWebKey","controller":"https://coop.example/g/rust"},
             {"id":"https://coop.example/g/rust#incomplete","type":"Multikey"}]
            """);

        var actor = ActorDocument.Parse(json);

        var key = Assert.Single(actor.AssertionMethods);
        Assert.Equal("https://coop.example/g/rust#ed25519-key", key.Id);
        Assert.Equal("https://coop.example/g/rust", key.Controller);
        Assert.Equal("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", key.PublicKeyMultibase);
    }

    [Fact]
    public void Url_may_be_a_link_object_or_an_array_and_text_html_is_preferred()
    {
        var json = Minimal();
        json["url"] = JArray.Parse("""
            [{"type":"Link","mediaType":"application/activity+json","href":"https://coop.example/g/rust.json"},
             {"type":"Link","mediaType":"text/html","href":"https://coop.example/@rust"}]
            """);
        Assert.Equal("https://coop.example/@rust", ActorDocument.Parse(json).Url);

        json["url"] = JObject.Parse("""{"type":"Link","href":"https://coop.example/about"}""");
        Assert.Equal("https://coop.example/about", ActorDocument.Parse(json).Url);
    }
}
