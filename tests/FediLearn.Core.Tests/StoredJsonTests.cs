using FediLearn.Core.Data;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Text;
using Newtonsoft.Json;
using Xunit;

namespace FediLearn.Core.Tests;

/// <summary>
/// StoredJson writes the bytes JsonConvert.SerializeObject wrote into the same columns before it (rows written by older
/// versions and by this one stay comparable), and reads them back as the serializer did.
/// </summary>
public sealed class StoredJsonTests
{
    public static TheoryData<string?[]> StringLists => new()
    {
        Array.Empty<string?>(),
        new string?[] { "https://www.w3.org/ns/activitystreams#Public" },
        new string?[] { "plain", "with \"quotes\" and \\ backslash", "<b>tags</b> & 'apostrophes'", "tab\tnew\nline\u0001" },
        new string?[] { "accents: é ü ñ", "emoji 🙂", "right-to-left ‏שלום", "zero\u200Bwidth", "\u2028\u2029" },
        new string?[] { "2026-01-05T10:00:00Z", "2026-01-05", "12", "true", "null" },
        new string?[] { null, "", " " },
    };

    [Theory]
    [MemberData(nameof(StringLists))]
    public void Strings_are_the_serializers_bytes_and_read_back_unchanged(string?[] values)
    {
        var stored = StoredJson.Strings(values);

        Assert.Equal(JsonConvert.SerializeObject(values), stored);
        Assert.Equal<IEnumerable<string?>>(values, StoredJson.ReadStrings(stored));
        Assert.Equal(JsonConvert.DeserializeObject<string[]>(stored), StoredJson.ReadStrings(stored));
    }

    [Fact]
    public void A_date_like_string_is_read_as_the_text_it_was()
    {
        // JArray.Parse would turn it into a DateTime, and back into text in another format.
        Assert.Equal(["2026-01-05T10:00:00Z"], StoredJson.ReadStrings("[\"2026-01-05T10:00:00Z\"]"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"not\":\"an array\"}")]
    public void Nothing_stored_reads_as_an_empty_list(string? json)
    {
        Assert.Empty(StoredJson.ReadStrings(json));
        Assert.Empty(StoredJson.ReadLinks(json));
    }

    [Fact]
    public void Links_are_the_serializers_bytes_and_read_back_unchanged()
    {
        var links = new List<MaterialLink> { new("https://example.org/a?x=1&y=2", "Chapter \"one\" <draft>"), new("https://example.org/b", null) };

        var stored = StoredJson.Links(links);

        Assert.Equal(JsonConvert.SerializeObject(links), stored);
        Assert.Equal(links, StoredJson.ReadLinks(stored));
        Assert.Equal(JsonConvert.DeserializeObject<List<MaterialLink>>(stored), StoredJson.ReadLinks(stored));
    }

    [Fact]
    public void Links_are_read_in_any_case_as_the_serializer_read_them()
    {
        const string json = "[{\"url\":\"https://example.org/a\",\"TITLE\":\"A\"},{\"Url\":\"https://example.org/b\"}]";

        Assert.Equal([new MaterialLink("https://example.org/a", "A"), new MaterialLink("https://example.org/b", null)], StoredJson.ReadLinks(json));
        Assert.Equal(JsonConvert.DeserializeObject<List<MaterialLink>>(json), StoredJson.ReadLinks(json));
    }

    [Fact]
    public void Tags_are_activitystreams_tag_objects_and_read_back_unchanged()
    {
        TextTag[] tags = [new("Mention", "@ada@b.example", "https://b.example/users/ada"), new("Hashtag", "#café", "https://a.example/tags/café")];

        var stored = StoredJson.Tags(tags);

        Assert.Equal(JsonConvert.SerializeObject(tags.Select(t => new { type = t.Type, name = t.Name, href = t.Href })), stored);
        var read = StoredJson.ReadArray(stored);
        Assert.Equal(["Mention", "Hashtag"], read.Select(t => (string)t["type"]!));
        Assert.Equal(tags.Select(t => t.Href), read.Select(t => (string)t["href"]!));
        Assert.Equal("[]", StoredJson.Tags([]));
    }

    [Fact]
    public void A_tampered_array_does_not_read_as_the_original()
    {
        var stored = StoredJson.Strings(["a", "b"]);

        Assert.NotEqual(["a", "b"], StoredJson.ReadStrings(stored.Replace("\"b\"", "\"c\"", StringComparison.Ordinal)));
    }
}
