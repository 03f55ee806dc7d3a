using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;

namespace FediLearn.Core.Tests;

/// <summary>ActorUrls.Parse maps exactly our actor ids back to (kind, name), and nothing else.</summary>
public sealed class ActorUrlsTests
{
    private static readonly ActorUrls Urls =
        new(Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { PublicUrl = TestNode.PublicUrl }));

    [Theory]
    [InlineData(ActorKind.Group, "rust_circle", "https://coop.example/g/rust_circle")]
    [InlineData(ActorKind.Group, "spring-2027", "https://coop.example/g/spring-2027")]
    [InlineData(ActorKind.Person, "alice", "https://coop.example/u/alice")]
    [InlineData(ActorKind.Person, "a.b", "https://coop.example/u/a.b")]
    [InlineData(ActorKind.Application, ActorUrls.InstanceActorName, "https://coop.example/actor")]
    public void Actor_urls_round_trip(ActorKind kind, string name, string url)
    {
        Assert.Equal(url, Urls.Actor(kind, name));
        Assert.Equal((kind, name), Urls.Parse(Urls.Actor(kind, name)));
    }

    [Fact]
    public void Public_url_with_trailing_slash_gives_the_same_ids()
    {
        var urls = new ActorUrls(Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { PublicUrl = "https://coop.example/" }));
        Assert.Equal("https://coop.example/g/x", urls.Actor(ActorKind.Group, "x"));
        Assert.Equal((ActorKind.Group, "x"), urls.Parse("https://coop.example/g/x"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://other.example/g/rust")] // foreign origin
    [InlineData("https://coop.example.evil/g/rust")]
    [InlineData("http://coop.example/g/rust")] // other scheme
    [InlineData("https://coop.example:8443/g/rust")] // other port
    [InlineData("https://coop.example")]
    [InlineData("https://coop.example/")]
    [InlineData("https://coop.example/g/")]
    [InlineData("https://coop.example/g")]
    [InlineData("https://coop.example/x/rust")]
    [InlineData("https://coop.example/gg/rust")]
    [InlineData("https://coop.example/g/rust/inbox")] // extra segment
    [InlineData("https://coop.example/g/rust/")]
    [InlineData("https://coop.example/u/alice/followers")]
    [InlineData("https://coop.example/g/rust#main-key")] // fragment
    [InlineData("https://coop.example/u/alice#ed25519-key")]
    [InlineData("https://coop.example/g/rust?page=1")] // query
    [InlineData("https://coop.example/actor#main-key")]
    [InlineData("https://coop.example/actor?x=1")]
    [InlineData("https://coop.example/actor/inbox")]
    [InlineData("https://coop.example/activities/abc")]
    public void Parse_returns_null_for_anything_but_our_actor_ids(string? uri) => Assert.Null(Urls.Parse(uri));

    [Fact]
    public void Every_item_kind_round_trips_through_its_path_word()
    {
        foreach (var kind in Enum.GetValues<ItemKind>())
        {
            Assert.Equal(kind, ActorUrls.KindOfSegment(ActorUrls.KindSegment(kind)));
            Assert.Equal(("rust", kind, 7L), Urls.ParseItem(Urls.Item("rust", kind, 7)));
        }
        // The route constraint admits the same four words as the map.
        var words = ActorUrls.KindRoute["{kind:oneof(".Length..^2].Split('|');
        Assert.Equal(Enum.GetValues<ItemKind>().Select(ActorUrls.KindSegment).Order(), words.Order());
    }

    [Theory]
    [InlineData("Prompts")]
    [InlineData("POSTS")]
    [InlineData("prompt")]
    [InlineData("sessions\n")]
    [InlineData(" materials")]
    [InlineData("")]
    [InlineData("notes")]
    public void Only_the_exact_plural_words_name_an_item_kind(string word)
    {
        Assert.Null(ActorUrls.KindOfSegment(word.Replace("\\n", "\n")));
        Assert.Null(Urls.ParseItem($"https://coop.example/g/rust/{word}/7"));
    }
}
