using FediLearn.Core.Services;

namespace FediLearn.Core.Tests;

/// <summary>federation.md item 3: names fit Mastodon's username pattern [a-z0-9_]+([.-]+[a-z0-9_]+)*, lower case.</summary>
public sealed class NameRulesTests
{
    [Theory]
    [InlineData("rust")]
    [InlineData("rust_circle")]
    [InlineData("spring-2027")]
    [InlineData("a.b")]
    [InlineData("a..b")] // the pattern allows a run of [.-] between word parts
    [InlineData("a.-b")]
    [InlineData("_")]
    [InlineData("x")]
    [InlineData("2027")]
    [InlineData("instance.actor2")]
    public void Accepts_Mastodon_usernames(string name) => Assert.Null(NameRules.Validate(name));

    [Fact]
    public void Accepts_exactly_64_characters() => Assert.Null(NameRules.Validate(new string('a', 64)));

    [Theory]
    [InlineData("Rust")]
    [InlineData("RUST")]
    [InlineData("-x")]
    [InlineData("x-")]
    [InlineData(".x")]
    [InlineData("x.")]
    [InlineData("a b")]
    [InlineData(" rust")]
    [InlineData("rust ")]
    [InlineData("rüst")]
    [InlineData("ѕpring")] // Cyrillic s
    [InlineData("rust/x")]
    [InlineData("rust@coop.example")]
    [InlineData("rust\n")] // Regex '$' also matches before a final newline
    [InlineData("\nrust")]
    [InlineData("rust\tx")]
    public void Rejects_names_outside_the_pattern(string name)
    {
        var problem = NameRules.Validate(name);
        Assert.NotNull(problem);
        Assert.Contains("not a valid name", problem);
    }

    [Theory]
    [InlineData("instance.actor")]
    [InlineData("admin")]
    [InlineData("actor")]
    [InlineData("inbox")]
    [InlineData("well-known")]
    public void Rejects_reserved_names(string name)
    {
        var problem = NameRules.Validate(name);
        Assert.NotNull(problem);
        Assert.Contains("reserved", problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Rejects_missing_names(string? name) => Assert.Equal("a name is required", NameRules.Validate(name));

    [Fact]
    public void Rejects_65_characters()
    {
        var problem = NameRules.Validate(new string('a', 65));
        Assert.NotNull(problem);
        Assert.Contains("longer than 64", problem);
    }
}
