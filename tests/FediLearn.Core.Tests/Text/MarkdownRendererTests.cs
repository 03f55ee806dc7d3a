using FediLearn.Core.Text;

namespace FediLearn.Core.Tests.Text;

/// <summary>Local posts: Markdown to sanitized HTML with hashtags and mentions (federation.md §2 "Mentions / hashtags").</summary>
public sealed class MarkdownRendererTests
{
    private const string Base = "https://coop.example";
    private readonly MarkdownRenderer _renderer = new(Base);

    private static string? Resolver(string user, string host)
        => (user.ToLowerInvariant(), host) switch
        {
            ("ana", "m.example") => "https://m.example/users/ana",
            ("bo", "local.test:8443") => "https://local.test:8443/actors/bo",
            _ => null,
        };

    [Fact]
    public void Headings_become_strong_paragraphs()
        => Assert.Equal("<p><strong>Week 1</strong></p><p>text</p>", _renderer.Render("# Week 1\n\ntext").Html);

    [Fact]
    public void Emphasis_strong_and_strikethrough_render()
        => Assert.Equal("<p><em>a</em> <strong>b</strong> <del>c</del></p>", _renderer.Render("*a* **b** ~~c~~").Html);

    [Fact]
    public void Lists_render()
    {
        Assert.Equal("<ul><li>one</li><li>two</li></ul>", _renderer.Render("- one\n- two").Html);
        Assert.Equal("<ol start=\"3\"><li>three</li><li>four</li></ol>", _renderer.Render("3. three\n4. four").Html);
    }

    [Fact]
    public void Code_spans_and_blocks_render_escaped()
    {
        Assert.Equal("<p><code>a &lt; b</code></p>", _renderer.Render("`a < b`").Html);
        Assert.Equal("<pre><code>var x = 1 &lt; 2;\n</code></pre>", _renderer.Render("```csharp\nvar x = 1 < 2;\n```").Html);
    }

    [Fact]
    public void Blockquote_renders()
        => Assert.Equal("<blockquote><p>quoted</p></blockquote>", _renderer.Render("> quoted").Html);

    [Fact]
    public void Links_render_with_rel_and_target()
        => Assert.Equal(
            "<p><a href=\"https://docs.example/x\" rel=\"nofollow noopener\" target=\"_blank\">docs</a></p>",
            _renderer.Render("[docs](https://docs.example/x \"title\")").Html);

    [Fact]
    public void Javascript_links_in_markdown_become_text()
        => Assert.Equal("<p>click</p>", _renderer.Render("[click](javascript:alert(1))").Html);

    [Fact]
    public void Images_become_links_to_the_image()
        => Assert.Equal(
            "<p><a href=\"https://img.example/a.png\" rel=\"nofollow noopener\" target=\"_blank\">a cat</a></p>",
            _renderer.Render("![a cat](https://img.example/a.png)").Html);

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("hello <b onclick=\"x\">bold</b>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    public void Raw_html_in_markdown_is_escaped_not_executed(string markdown)
    {
        var html = _renderer.Render(markdown).Html;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b ", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html, StringComparison.Ordinal);
        HtmlSanitizerTests.AssertSafe(html);
    }

    [Fact]
    public void Raw_html_is_shown_as_its_source_text()
        => Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", _renderer.Render("<script>alert(1)</script>").Html);

    [Fact]
    public void Bare_urls_are_autolinked()
    {
        Assert.Equal(
            "<p>see <a href=\"https://coop.example/a?b=1\" rel=\"nofollow noopener\" target=\"_blank\">https://coop.example/a?b=1</a> now</p>",
            _renderer.Render("see https://coop.example/a?b=1 now").Html);
        Assert.Equal(
            "<p><a href=\"https://x.example/\" rel=\"nofollow noopener\" target=\"_blank\">https://x.example/</a></p>",
            _renderer.Render("<https://x.example/>").Html);
    }

    [Fact]
    public void Hashtags_become_links_and_tags()
    {
        var result = _renderer.Render("Learning #Rust today");
        Assert.Equal(
            "<p>Learning <a href=\"https://coop.example/tags/rust\" class=\"mention hashtag\" rel=\"nofollow noopener tag\" target=\"_blank\">#<span>Rust</span></a> today</p>",
            result.Html);
        Assert.Equal([new TextTag("Hashtag", "#rust", "https://coop.example/tags/rust")], result.Tags);
    }

    [Fact]
    public void Unicode_hashtags_are_recognised_and_escaped_in_the_href()
    {
        var result = _renderer.Render("#Ünïcode_2 and #日本語");
        Assert.Equal(
            [
                new TextTag("Hashtag", "#ünïcode_2", "https://coop.example/tags/%C3%BCn%C3%AFcode_2"),
                new TextTag("Hashtag", "#日本語", "https://coop.example/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E"),
            ],
            result.Tags);
    }

    [Theory]
    [InlineData("issue #1")]
    [InlineData("#2027")]
    [InlineData("a#b")]
    [InlineData("`#code`")]
    [InlineData("```\n#fenced\n```")]
    [InlineData("    #indented code")]
    [InlineData("https://x.example/page#section")]
    [InlineData("[#linked](https://x.example)")]
    public void Hashtags_are_not_found_in_numbers_words_code_or_urls(string markdown)
    {
        var result = _renderer.Render(markdown);
        Assert.Empty(result.Tags);
        Assert.DoesNotContain("hashtag", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_are_deduplicated_case_insensitively_in_order_of_appearance()
    {
        var result = _renderer.Render("#rust @ana@m.example #Rust #RUST @Ana@M.example #go @ana@m.example", Resolver);
        Assert.Equal(
            [
                new TextTag("Hashtag", "#rust", "https://coop.example/tags/rust"),
                new TextTag("Mention", "@ana@m.example", "https://m.example/users/ana"),
                new TextTag("Hashtag", "#go", "https://coop.example/tags/go"),
            ],
            result.Tags);
        Assert.Equal(4, CountOccurrences(result.Html, "class=\"mention hashtag\""));
        Assert.Equal(3, CountOccurrences(result.Html, "class=\"u-url mention\""));
    }

    [Fact]
    public void Resolved_mentions_become_h_card_links_and_tags()
    {
        var calls = new List<(string, string)>();
        var result = _renderer.Render("hi @ana@m.example!", (u, h) =>
        {
            calls.Add((u, h));
            return Resolver(u, h);
        });
        Assert.Equal(
            "<p>hi <span class=\"h-card\"><a href=\"https://m.example/users/ana\" class=\"u-url mention\" rel=\"nofollow noopener\" target=\"_blank\">@<span>ana</span></a></span>!</p>",
            result.Html);
        Assert.Equal([new TextTag("Mention", "@ana@m.example", "https://m.example/users/ana")], result.Tags);
        Assert.Equal([("ana", "m.example")], calls);
    }

    [Fact]
    public void Mention_host_may_have_a_port_and_trailing_punctuation_is_not_part_of_it()
    {
        var result = _renderer.Render("ping @bo@local.test:8443.", Resolver);
        Assert.Equal([new TextTag("Mention", "@bo@local.test:8443", "https://local.test:8443/actors/bo")], result.Tags);
        Assert.EndsWith("</a></span>.</p>", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Unresolved_mentions_stay_plain_text()
    {
        var result = _renderer.Render("hi @nobody@nowhere.example", Resolver);
        Assert.Equal("<p>hi @nobody@nowhere.example</p>", result.Html);
        Assert.Empty(result.Tags);
    }

    [Fact]
    public void Without_a_resolver_mentions_stay_plain_text()
    {
        var result = _renderer.Render("hi @ana@m.example");
        Assert.Equal("<p>hi @ana@m.example</p>", result.Html);
        Assert.Empty(result.Tags);
    }

    [Fact]
    public void A_resolver_returning_a_non_http_id_is_treated_as_unresolved()
    {
        var result = _renderer.Render("hi @ana@m.example", (_, _) => "javascript:alert(1)");
        Assert.Equal("<p>hi @ana@m.example</p>", result.Html);
        Assert.Empty(result.Tags);
    }

    [Theory]
    [InlineData("`@ana@m.example`")]
    [InlineData("[@ana@m.example](https://x.example)")]
    [InlineData("mail ana@m.example")]
    [InlineData("https://x.example/@ana@m.example")]
    public void Mentions_are_not_found_in_code_links_or_email_addresses(string markdown)
    {
        var result = _renderer.Render(markdown, Resolver);
        Assert.Empty(result.Tags);
        Assert.DoesNotContain("h-card", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_or_null_input_renders_nothing()
    {
        Assert.Equal(new RenderedText(string.Empty, []).Html, _renderer.Render(null).Html);
        Assert.Empty(_renderer.Render("   \n ").Tags);
        Assert.Equal(string.Empty, _renderer.Render("").Html);
    }

    [Fact]
    public void Rendered_output_is_stable_under_sanitizing()
    {
        var html = _renderer.Render("# T\n\n> q #tag @ana@m.example\n\n1. a\n2. b\n\n```\n\ncode\n```\n\nx  \ny", Resolver).Html;
        Assert.Equal(html, HtmlSanitizer.Sanitize(html));
    }

    [Fact]
    public void Base_url_trailing_slash_is_ignored_and_bad_base_urls_are_rejected()
    {
        Assert.Equal("https://coop.example/tags/x", new MarkdownRenderer("https://coop.example/").Render("#x").Tags[0].Href);
        Assert.Throws<ArgumentException>(() => new MarkdownRenderer("coop.example"));
        Assert.Throws<ArgumentException>(() => new MarkdownRenderer("javascript:alert(1)"));
    }

    [Fact]
    public void Deeply_nested_markdown_does_not_crash()
    {
        var result = _renderer.Render(new string('>', 10_000) + " deep\n\n" + string.Concat(Enumerable.Repeat("- ", 5_000)) + "x\n\n" + new string('[', 10_000) + "\n\n" + new string('*', 20_000) + "a");
        Assert.Contains("deep", result.Html, StringComparison.Ordinal);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
