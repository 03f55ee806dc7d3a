using System.Diagnostics;
using System.Text;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Json;

public class ActivityJsonTests
{
    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"id\": }")]
    [InlineData("{\"id\": \"a\",}x")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("{\"id\":\"a\",\"id\":\"b\"}")]
    public void Malformed_json_is_rejected(string json) =>
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(json));

    /// <summary>
    /// A NUL is never handed on: PostgreSQL takes none in text (error 22021). Escaped, it is legal JSON and becomes
    /// U+FFFD in every string value however deep; unescaped (a raw 0x00 byte), it is malformed JSON, which Json.NET
    /// took into the string, or skipped outside one.
    /// </summary>
    [Fact]
    public void A_NUL_is_never_handed_on()
    {
        var parsed = ActivityJson.Parse("""{"id":"https://a.example/1\u0000","object":{"tag":[{"name":"#a\u0000b"}],"content":"\u0000"},"n":1,"to":["x\u0000"]}""");
        Assert.Equal("""{"id":"https://a.example/1~","object":{"tag":[{"name":"#a~b"}],"content":"~"},"n":1,"to":["x~"]}""".Replace('~', '\uFFFD'),
            ActivityJson.Serialize(parsed));
        Assert.Equal("a\\u0000", (string?)ActivityJson.Parse("""{"s":"a\\u0000"}""")["s"]); // an escaped backslash, then text
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse("{\"id\":\"a\0b\"}"));
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse("{\"id\":\"a\"}\0"));
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse("{\0\"id\":\"a\"}"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"https://example.com/x\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Non_object_root_is_rejected(string json) =>
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(json));

    [Fact]
    public void Hundred_thousand_deep_nesting_is_rejected_quickly_without_stack_overflow()
    {
        var json = "{\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        var watch = Stopwatch.StartNew();

        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(json));
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Depth_limit_is_max_depth()
    {
        static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth - 1).Append("{}").Append('}', depth - 1).ToString();

        ActivityJson.Parse(Nested(ActivityJson.MaxDepth));
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(Nested(ActivityJson.MaxDepth + 1)));
    }

    [Fact]
    public void Date_strings_stay_strings_and_round_trip_byte_for_byte()
    {
        const string json = """{"id":"https://a.example/1","published":"2023-02-24T23:36:38Z","updated":"2021-03-10T17:18:10.498868Z","endTime":"2024-01-01T10:00:00+01:00"}""";

        var doc = ActivityJson.Parse(json);

        Assert.Equal(JTokenType.String, doc["published"]!.Type);
        Assert.Equal("2021-03-10T17:18:10.498868Z", ActivityJson.GetString(doc, "updated"));
        Assert.Equal(json, ActivityJson.Serialize(doc));
    }

    [Fact]
    public void Pooled_buffers_and_shared_names_give_the_same_documents_as_plain_newtonsoft()
    {
        // A long document first (its strings outgrow the reader's first buffer, so a larger one is rented and returned),
        // then short ones that get that buffer back: nothing of the earlier document may show through.
        const string unit = """ Lange Antwort \u00fc\u00df \"quoted\" \\ \ud83d\ude00 \n""";
        var longContent = "<p>" + string.Concat(Enumerable.Repeat(unit, 400)) + "</p>";
        string[] documents =
        [
            $$"""{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.example/1","type":"Create","actor":"https://m.example/u","object":{"id":"https://m.example/n/1","type":"Note","content":"{{longContent}}","tag":[{"type":"Mention","href":"https://g.example/g","name":"@g"}]},"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[]}""",
            """{"id":"a","type":"Note","content":"x"}""",
            """{"idx":"made-up name","typeX":[1,2.5,true,null],"\u0069d":"escaped name","nested":{"a":{"b":{"c":"d"}}}}""",
            // \u0001, not \u0000: a NUL is the one escape Parse hands on otherwise (A_NUL_is_never_handed_on).
            """{"content":"\u003cscript\u003e \u2028 \u0001 tab\there","id":"https://m.example/2"}""",
        ];
        foreach (var json in documents)
        {
            var expected = JObject.Parse(json, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Ignore });
            var parsed = ActivityJson.Parse(json);
            Assert.True(JToken.DeepEquals(expected, parsed), json[..Math.Min(json.Length, 60)]);
            Assert.Equal(expected.ToString(Newtonsoft.Json.Formatting.None), ActivityJson.Serialize(parsed));
        }
        Assert.Equal("escaped name", ActivityJson.GetString(ActivityJson.Parse(documents[2]), "id"));
    }

    [Fact]
    public void Parsing_on_many_threads_at_once_gives_each_its_own_document()
    {
        var results = new string?[2_000];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var json = $$"""{"id":"https://m.example/{{i}}","type":"Note","content":"{{new string('x', i % 3000)}}","to":["a{{i}}"]}""";
            var doc = ActivityJson.Parse(json);
            results[i] = ActivityJson.GetId(doc) + " " + ActivityJson.GetString(doc, "content")!.Length + " " + ActivityJson.Serialize(doc).Length;
        });
        for (var i = 0; i < results.Length; i++)
        {
            var json = $$"""{"id":"https://m.example/{{i}}","type":"Note","content":"{{new string('x', i % 3000)}}","to":["a{{i}}"]}""";
            Assert.Equal($"https://m.example/{i} {i % 3000} {json.Length}", results[i]);
        }
    }

    [Fact]
    public void Utf8_bytes_with_bom_parse_and_invalid_utf8_is_rejected()
    {
        var withBom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"name\":\"Français\"}")).ToArray();
        Assert.Equal("Français", ActivityJson.GetString(ActivityJson.Parse(withBom), "name"));

        var invalid = Encoding.UTF8.GetBytes("{\"name\":\"x\"}");
        invalid[9] = 0xFF;
        Assert.Throws<ActivityJsonException>(() => ActivityJson.Parse(invalid));
    }

    [Fact]
    public void GetId_reads_strings_and_objects_with_string_ids_only()
    {
        var doc = ActivityJson.Parse("""
            {"a":"https://x/1","b":{"id":"https://x/2","type":"Note"},"c":{"id":5},"d":5,"e":["https://x/3"],"f":""}
            """);

        Assert.Equal("https://x/1", ActivityJson.GetId(doc["a"]));
        Assert.Equal("https://x/2", ActivityJson.GetId(doc["b"]));
        Assert.Null(ActivityJson.GetId(doc["c"]));
        Assert.Null(ActivityJson.GetId(doc["d"]));
        Assert.Null(ActivityJson.GetId(doc["e"]));
        Assert.Null(ActivityJson.GetId(doc["f"]));
        Assert.Null(ActivityJson.GetId(doc["missing"]));
        Assert.Null(ActivityJson.GetId(null));
    }

    [Fact]
    public void GetIds_reads_a_single_reference_or_an_array_and_skips_junk()
    {
        var doc = ActivityJson.Parse("""
            {"to":["https://www.w3.org/ns/activitystreams#Public",{"id":"https://x/followers"},42,null,["nested"],{"type":"Link"},true],
             "cc":"https://x/u/bob","bto":{"id":"https://x/u/eve"},"bcc":7}
            """);

        Assert.Equal([AsConstants.PublicCollection, "https://x/followers"], ActivityJson.GetIds(doc["to"]));
        Assert.Equal(["https://x/u/bob"], ActivityJson.GetIds(doc["cc"]));
        Assert.Equal(["https://x/u/eve"], ActivityJson.GetIds(doc["bto"]));
        Assert.Empty(ActivityJson.GetIds(doc["bcc"]));
        Assert.Empty(ActivityJson.GetIds(doc["nothing"]));
    }

    [Fact]
    public void GetTypes_and_HasType_accept_a_string_or_an_array()
    {
        var single = ActivityJson.Parse("""{"type":"Person"}""");
        var multiple = ActivityJson.Parse("""{"type":["Person","vcard:individual",3]}""");
        var junk = ActivityJson.Parse("""{"type":{"x":1}}""");

        Assert.Equal(["Person"], ActivityJson.GetTypes(single));
        Assert.Equal(["Person", "vcard:individual"], ActivityJson.GetTypes(multiple));
        Assert.True(ActivityJson.HasType(multiple, "vcard:individual"));
        Assert.False(ActivityJson.HasType(single, "person"));
        Assert.Empty(ActivityJson.GetTypes(junk));
    }

    [Fact]
    public void GetString_does_not_coerce_other_json_types()
    {
        var doc = ActivityJson.Parse("""{"s":"text","n":12,"b":true,"o":{"a":"b"},"z":null}""");

        Assert.Equal("text", ActivityJson.GetString(doc, "s"));
        Assert.Null(ActivityJson.GetString(doc, "n"));
        Assert.Null(ActivityJson.GetString(doc, "b"));
        Assert.Null(ActivityJson.GetString(doc, "o"));
        Assert.Null(ActivityJson.GetString(doc, "z"));
        Assert.Null(ActivityJson.GetString(doc, "missing"));
    }

    [Theory]
    [InlineData("application/activity+json", true)]
    [InlineData("application/activity+json; charset=utf-8", true)]
    [InlineData("Application/Activity+JSON", true)]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/ld+json; charset=utf-8; profile=\"https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams https://w3id.org/security/v1\"", true)]
    [InlineData("application/ld+json", false)]
    [InlineData("application/ld+json; profile=\"https://example.com/activitystreams\"", false)]
    [InlineData("application/ld+json; profile=\"http://www.w3.org/ns/activitystreams\"", false)]
    [InlineData("application/json", false)]
    [InlineData("text/html", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("garbage;;;", false)]
    public void Activitypub_content_types_are_recognised(string? mediaType, bool expected) =>
        Assert.Equal(expected, ActivityJson.IsActivityPubContentType(mediaType));

    [Theory]
    [InlineData("https://www.w3.org/ns/activitystreams#Public", true)]
    [InlineData("as:Public", true)]
    [InlineData("Public", true)]
    [InlineData("https://www.w3.org/ns/activitystreams#public", false)]
    [InlineData("https://x.example/followers", false)]
    [InlineData(null, false)]
    public void Public_collection_is_recognised_in_its_three_spellings(string? id, bool expected) =>
        Assert.Equal(expected, AsConstants.IsPublic(id!));
}
