using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>Each group object as peers receive it (federation.md items 10-13), pinned by a golden file per type.</summary>
public sealed class ObjectRendererGoldenTests
{
    private static readonly GroupObjectRenderer Renderer =
        new(new ActorUrls(Microsoft.Extensions.Options.Options.Create(new FediLearnOptions { PublicUrl = TestNode.PublicUrl })));

    private static readonly LocalActor Group = new() { Id = 7, Kind = ActorKind.Group, Name = "rust_circle", DisplayName = "Rust circle" };

    private static GroupItem Item(ItemKind kind, long id) => new()
    {
        Id = id,
        GroupId = Group.Id,
        Kind = kind,
        Content = "Read **chapter 3**. #rust",
        ContentHtml = "<p>Read <strong>chapter 3</strong>. <a href=\"https://coop.example/tags/rust\" class=\"mention hashtag\" rel=\"nofollow noopener tag\" target=\"_blank\">#<span>rust</span></a></p>",
        TagsJson = """[{"type":"Hashtag","name":"#rust","href":"https://coop.example/tags/rust"}]""",
        CreatedAt = new DateTime(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc),
        PublishedAt = new DateTime(2027, 3, 1, 9, 0, 5, DateTimeKind.Utc),
    };

    private static JObject Render(GroupItem item, IReadOnlyList<MediaFile>? media = null, GroupItem? session = null) =>
        Renderer.Render(item, new ObjectContext(Group, media ?? [], session));

    [Fact]
    public void Prompt_is_a_Note_that_mentions_the_group_and_carries_its_title_in_the_content()
    {
        var item = Item(ItemKind.Prompt, 1);
        item.Title = "Week 3";
        var doc = Render(item);
        GoldenFile.AssertMatches("prompt-note.json", doc);
        Assert.Equal("Note", doc.Value<string>("type"));
        Assert.Null(doc["name"]); // a Note with a name reads as a poll vote
        Assert.StartsWith("<p><strong>Week 3</strong></p>", doc.Value<string>("content"));
        Assert.Equal("https://coop.example/g/rust_circle", doc["tag"]![0]!.Value<string>("href"));
        Assert.Equal("Mention", doc["tag"]![0]!.Value<string>("type"));
    }

    [Fact]
    public void Check_in_is_a_Question_with_its_choices_and_end_time()
    {
        var item = Item(ItemKind.Prompt, 2);
        item.ChoicesJson = """["too slow","right","too fast"]""";
        item.ClosesAt = new DateTime(2099, 3, 5, 17, 0, 0, DateTimeKind.Utc);
        var doc = Render(item);
        GoldenFile.AssertMatches("checkin-question.json", doc);
        Assert.Equal(["too slow", "right", "too fast"], doc["oneOf"]!.Select(c => c.Value<string>("name")));
        Assert.Equal("2099-03-05T17:00:00Z", doc.Value<string>("endTime"));
        Assert.Null(doc["anyOf"]);
    }

    [Fact]
    public void Reflection_prompt_replies_to_its_session_and_shares_its_context()
    {
        var session = Item(ItemKind.Session, 9);
        var item = Item(ItemKind.Prompt, 3);
        item.SessionId = 9;
        var doc = Render(item, session: session);
        Assert.Equal("https://coop.example/g/rust_circle/sessions/9", doc.Value<string>("inReplyTo"));
        Assert.Equal("https://coop.example/g/rust_circle/sessions/9/context", doc.Value<string>("context"));
    }

    [Fact]
    public void Post_is_a_public_Note_addressed_to_the_followers()
    {
        var doc = Render(Item(ItemKind.Post, 4));
        GoldenFile.AssertMatches("post-note.json", doc);
        Assert.Equal(["https://www.w3.org/ns/activitystreams#Public"], doc["to"]!.Values<string>());
        Assert.Contains("https://coop.example/g/rust_circle/followers", doc["cc"]!.Values<string>());
        Assert.Equal("https://coop.example/g/rust_circle", doc.Value<string>("audience"));
    }

    [Fact]
    public void Material_is_an_Article_with_files_before_links()
    {
        var item = Item(ItemKind.Material, 5);
        item.Title = "Week 3 slides";
        item.LinksJson = """[{"Url":"https://doc.rust-lang.org/book/ch03-00-common-programming-concepts.html","Title":"The Book, ch. 3"}]""";
        item.MediaIdsJson = """["a1.pdf"]""";
        var media = new List<MediaFile> { new() { Key = "a1.pdf", FileName = "slides.pdf", ContentType = "application/pdf", Description = "Slides" } };
        var doc = Render(item, media);
        GoldenFile.AssertMatches("material-article.json", doc);
        Assert.Equal("Article", doc.Value<string>("type"));
        Assert.Equal("Document", doc["attachment"]![0]!.Value<string>("type"));
        Assert.Equal("Link", doc["attachment"]![1]!.Value<string>("type"));
        Assert.Equal("Read chapter 3. #rust", doc.Value<string>("summary"));
    }

    [Fact]
    public void Session_is_an_Event_with_everything_Mobilizon_and_Mastodon_readers_need()
    {
        var item = Item(ItemKind.Session, 6);
        item.Title = "Week 3 live";
        item.StartsAtLocal = new DateTime(2027, 3, 15, 16, 30, 0);
        item.EndsAtLocal = new DateTime(2027, 3, 15, 18, 0, 0);
        item.TimeZone = "Europe/Amsterdam";
        item.JoinUrl = "https://meet.example/rust";
        item.Place = "Library, room 2";
        item.Capacity = 20;
        item.RequireApproval = true;
        var doc = Render(item);
        GoldenFile.AssertMatches("session-event.json", doc);
        Assert.Equal("2027-03-15T16:30:00+01:00", doc.Value<string>("startTime"));
        Assert.Equal("Europe/Amsterdam", doc.Value<string>("timezone"));
        Assert.Equal("restricted", doc.Value<string>("joinMode"));
        Assert.Equal(["VirtualLocation", "Place"], doc["location"]!.Select(l => l.Value<string>("type")));
        Assert.Equal("Mon 15 March 2027, 16:30–18:00 CET (Europe/Amsterdam) · Join: https://meet.example/rust · Place: Library, room 2", doc.Value<string>("summary"));
    }

    [Fact]
    public void Deleted_item_is_a_Tombstone_with_its_former_type()
    {
        var item = Item(ItemKind.Session, 8);
        item.DeletedAt = new DateTime(2027, 4, 1, 12, 0, 0, DateTimeKind.Utc);
        var doc = Render(item);
        Assert.Equal("Tombstone", doc.Value<string>("type"));
        Assert.Equal("Event", doc.Value<string>("formerType"));
        Assert.Equal("2027-04-01T12:00:00Z", doc.Value<string>("deleted"));
    }
}
