using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Json;

/// <summary>The longest id stored is 2,048 bytes of UTF-8 (IriLength), in activities and in actor documents.</summary>
public class IriLengthTests
{
    private static string Url(int bytes, string tail = "") =>
        "https://remote.example/" + new string('a', bytes - "https://remote.example/".Length - System.Text.Encoding.UTF8.GetByteCount(tail)) + tail;

    [Fact]
    public void The_limit_is_in_utf8_bytes()
    {
        Assert.False(IriLength.IsTooLong(null));
        Assert.False(IriLength.IsTooLong(Url(2048)));
        Assert.True(IriLength.IsTooLong(Url(2049)));
        Assert.False(IriLength.IsTooLong(Url(2048, "é")));
        Assert.True(IriLength.IsTooLong(Url(2049, "é"))); // 2,048 characters
        Assert.False(IriLength.IsTooLong(Url(2048, "😀")));
        Assert.True(IriLength.IsTooLong(Url(2049, "😀")));
        Assert.True(IriLength.IsTooLong("https://remote.example/" + new string('€', 700))); // 700 characters, 2,123 bytes
    }

    /// <summary>A changed copy: the original stays as it was for the next case.</summary>
    private static JObject Copy(JObject original, Action<JObject> change)
    {
        var copy = (JObject)original.DeepClone();
        change(copy);
        return copy;
    }

    [Fact]
    public void Ids_are_found_in_the_activity_and_the_objects_it_carries()
    {
        JObject Like(JToken obj) => new() { ["id"] = Url(60), ["type"] = "Like", ["actor"] = Url(40), ["object"] = obj };
        var note = new JObject { ["id"] = Url(80), ["type"] = "Note", ["inReplyTo"] = Url(90), ["content"] = new string('x', 5000) };

        Assert.Null(IriLength.FindTooLong(Like(note)));
        Assert.Null(IriLength.FindTooLong(Like(Url(2048))));
        Assert.Equal("object", IriLength.FindTooLong(Like(Url(2049))));
        Assert.Equal("id", IriLength.FindTooLong(Copy(Like(note), a => a["id"] = Url(3000))));
        Assert.Equal("actor", IriLength.FindTooLong(Copy(Like(note), a => a["actor"] = new JArray(Url(30), Url(3000)))));
        Assert.Equal("object.inReplyTo", IriLength.FindTooLong(Like(Copy(note, n => n["inReplyTo"] = Url(2049)))));
        Assert.Equal("object.attributedTo.id", IriLength.FindTooLong(Like(Copy(note, n => n["attributedTo"] = new JObject { ["id"] = Url(2049) }))));
        var undo = new JObject { ["id"] = Url(50), ["type"] = "Undo", ["actor"] = Url(40), ["object"] = Like(Url(2100)) };
        Assert.Equal("object.object", IriLength.FindTooLong(undo));
        // Text that is not an id may be as long as the body allows.
        Assert.Null(IriLength.FindTooLong(Copy(Like(note), a => a["summary"] = new string('x', 5000))));
    }

    private static JObject Actor(string id, string inbox, string? sharedInbox = null, string? keyId = null) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = id,
        ["type"] = "Person",
        ["inbox"] = inbox,
        ["endpoints"] = sharedInbox is null ? null : new JObject { ["sharedInbox"] = sharedInbox },
        ["publicKey"] = new JObject { ["id"] = keyId ?? id + "#main-key", ["owner"] = id, ["publicKeyPem"] = "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----" },
    };

    [Fact]
    public void An_actor_document_with_an_id_or_inbox_too_long_to_store_is_refused()
    {
        var id = Url(2048 - "/inbox".Length);
        var longest = ActorDocument.Parse(Actor(id, id + "/inbox", Url(2048), keyId: Url(2048)));
        Assert.Equal(id, longest.Id);
        Assert.Equal(2048, longest.Inbox.Length);
        Assert.Equal(Url(2048), longest.SharedInbox);
        Assert.Single(longest.PublicKeys);
        Assert.Throws<ActivityJsonException>(() => ActorDocument.Parse(Actor(Url(2049), Url(100))));
        Assert.Throws<ActivityJsonException>(() => ActorDocument.Parse(Actor(Url(100), Url(2049))));
        Assert.Throws<ActivityJsonException>(() => ActorDocument.Parse(Actor(Url(100), Url(120), sharedInbox: Url(2049))));
    }

    [Fact]
    public void A_key_whose_id_is_too_long_to_store_is_not_read()
    {
        var id = Url(100);
        Assert.Single(ActorDocument.Parse(Actor(id, id + "/inbox", keyId: Url(2048))).PublicKeys);
        Assert.Empty(ActorDocument.Parse(Actor(id, id + "/inbox", keyId: Url(2049))).PublicKeys);
    }
}
