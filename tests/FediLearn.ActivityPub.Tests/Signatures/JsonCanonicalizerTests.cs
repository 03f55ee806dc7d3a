using FediLearn.ActivityPub.Signatures;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>RFC 8785 behaviours the eddsa-jcs-2022 hash depends on.</summary>
public class JsonCanonicalizerTests
{
    [Theory]
    [InlineData("1E30", "1e+30")]
    [InlineData("4.50", "4.5")]
    [InlineData("2e-3", "0.002")]
    [InlineData("0.000000000000000000000000001", "1e-27")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("-0", "0")]
    [InlineData("333333333.33333329", "333333333.3333333")]
    [InlineData("1e21", "1e+21")]
    [InlineData("100000000000000000000", "100000000000000000000")]
    [InlineData("9007199254740993", "9007199254740992")]
    [InlineData("-71.184902", "-71.184902")]
    [InlineData("25.273962", "25.273962")]
    [InlineData("123", "123")]
    public void Numbers_use_ecmascript_formatting(string json, string expected)
    {
        Assert.Equal(expected, JsonCanonicalizer.Canonicalize(JsonCanonicalizer.Parse(json)));
    }

    [Fact]
    public void Members_are_sorted_by_utf16_code_units_and_whitespace_removed()
    {
        // RFC 8785 §3.2.3's example keys: "\u20ac" (€), "\r", "\ufb33", "1", "\ud83d\ude00", "\u0080", "\u00f6".
        var json = "{ \"\\u20ac\": 1, \"\\r\": 2, \"\\ufb33\": 3, \"1\": 4, \"\\ud83d\\ude00\": 5, \"\\u0080\": 6, \"\\u00f6\": 7 }";

        Assert.Equal("{\"\\r\":2,\"1\":4,\"\u0080\":6,\"\u00f6\":7,\"\u20ac\":1,\"\ud83d\ude00\":5,\"\ufb33\":3}",
            JsonCanonicalizer.Canonicalize(JsonCanonicalizer.Parse(json)));
    }

    [Fact]
    public void Strings_escape_only_what_json_stringify_escapes()
    {
        var json = "[\"\\u0041\\u000f\\n\\\"\\\\/\\u00e9\\u2028\"]";

        Assert.Equal("[\"A\\u000f\\n\\\"\\\\/\u00e9\u2028\"]", JsonCanonicalizer.Canonicalize(JsonCanonicalizer.Parse(json)));
    }

    [Fact]
    public void Date_like_strings_stay_strings()
    {
        Assert.Equal("{\"published\":\"2023-02-24T23:36:38Z\"}",
            JsonCanonicalizer.Canonicalize(JsonCanonicalizer.Parse("{\"published\": \"2023-02-24T23:36:38Z\"}")));
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("{")]
    public void Invalid_or_uncanonicalizable_input_is_a_format_exception(string json)
    {
        Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize(JsonCanonicalizer.Parse(json)));
    }

    [Fact]
    public void Lone_surrogate_cannot_be_canonicalized()
    {
        Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize(new Newtonsoft.Json.Linq.JValue("a\ud800")));
    }
}
