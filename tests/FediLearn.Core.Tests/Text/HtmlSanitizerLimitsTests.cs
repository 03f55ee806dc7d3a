using System.Diagnostics;
using System.Text;
using FediLearn.Core.Text;

namespace FediLearn.Core.Tests.Text;

/// <summary>Timing-sensitive tests run alone, not next to other CPU-heavy tests.</summary>
[CollectionDefinition(nameof(TextTimingCollection), DisableParallelization = true)]
public sealed class TextTimingCollection;

/// <summary>security.md principle 4 applied to HTML: no input crashes (stack) or floods (CPU) the sanitizer.</summary>
// The time bounds below are generous guards against quadratic blow-up (a denial of service), not speed targets:
// speed is measured in tests/FediLearn.Benchmarks.
[Collection(nameof(TextTimingCollection))]
public sealed class HtmlSanitizerLimitsTests
{
    // ---- size and depth ----

    [Fact]
    public void One_megabyte_of_markup_is_sanitized_quickly()
    {
        var sb = new StringBuilder();
        while (sb.Length < 1_000_000)
        {
            sb.Append("<p class=\"x h-entry\" onclick=\"y\">Some <b>bold</b> and <a href=\"https://a.example/p\">link</a><script>z</script></p>");
        }

        var sw = Stopwatch.StartNew();
        var output = HtmlSanitizer.Sanitize(sb.ToString());
        sw.Stop();
        Assert.DoesNotContain("script", output, StringComparison.Ordinal);
        Assert.DoesNotContain("onclick", output, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    [Theory]
    [InlineData("<b x=\"{0}\">")] // distinct unclosed formatting elements (active formatting list grows)
    [InlineData("<span>")] // unclosed nesting
    [InlineData("</p>")] // stray end tags walking the open-element stack
    [InlineData("<a href=\"https://a.example/{0}\">")] // each new <a> closes the previous one
    [InlineData("<table><td>")]
    [InlineData("<b>")] // same formatting element, unclosed
    [InlineData("<div>")]
    public void One_megabyte_of_pathological_markup_finishes_quickly(string unit)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (sb.Length < 1_000_000)
        {
            sb.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, unit, i++)).Append('x');
        }

        var sw = Stopwatch.StartNew();
        var output = HtmlSanitizer.Sanitize(sb.ToString());
        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        HtmlSanitizerTests.AssertSafe(output);
    }

    [Fact]
    public void Ten_thousand_nested_spans_do_not_overflow_the_stack()
    {
        var html = string.Concat(Enumerable.Repeat("<span>", 10_000)) + "deep" + string.Concat(Enumerable.Repeat("</span>", 10_000));
        var output = HtmlSanitizer.Sanitize(html);
        Assert.Contains("deep", output, StringComparison.Ordinal);
        Assert.True(HtmlSanitizerTests.MaxDepth(HtmlSanitizerTests.Parse(output)) <= HtmlSanitizer.MaxDepth + 1);
        Assert.Equal(output, HtmlSanitizer.Sanitize(output));
    }

    [Fact]
    public void One_megabyte_of_repeated_deep_but_closed_nesting_finishes_quickly()
    {
        var unit = string.Concat(Enumerable.Repeat("<b>", HtmlSanitizer.MaxParseDepth)) + "x" + string.Concat(Enumerable.Repeat("</b>", HtmlSanitizer.MaxParseDepth));
        var html = string.Concat(Enumerable.Repeat(unit, 1_000_000 / unit.Length + 1));
        var sw = Stopwatch.StartNew();
        var output = HtmlSanitizer.Sanitize(html);
        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Equal(output, HtmlSanitizer.Sanitize(output));
    }

    [Fact]
    public void Nesting_deeper_than_the_output_limit_is_unwrapped_keeping_text()
    {
        var html = string.Concat(Enumerable.Repeat("<span><em>", 100)) + "deep" + string.Concat(Enumerable.Repeat("</em></span>", 100));
        var output = HtmlSanitizer.Sanitize(html);
        Assert.Contains("deep", output, StringComparison.Ordinal);
        Assert.Equal(HtmlSanitizer.MaxDepth, HtmlSanitizerTests.MaxDepth(HtmlSanitizerTests.Parse(output)) - 1);
        Assert.Equal(output, HtmlSanitizer.Sanitize(output));
    }

    [Fact]
    public void Absurdly_deep_markup_keeps_only_its_text()
    {
        var html = "<p>start</p>" + string.Concat(Enumerable.Repeat("<b><script>x</script>", 5_000)) + "end &amp; 1 < 2";
        var output = HtmlSanitizer.Sanitize(html);
        HtmlSanitizerTests.AssertSafe(output);
        Assert.Contains("start", output, StringComparison.Ordinal);
        Assert.EndsWith("end &amp; 1 &lt; 2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_thousand_nested_blockquotes_and_lists_do_not_overflow_the_stack()
    {
        var html = string.Concat(Enumerable.Repeat("<blockquote><ul><li><div>", 10_000)) + "deep";
        var output = HtmlSanitizer.Sanitize(html);
        Assert.Contains("deep", output, StringComparison.Ordinal);
        Assert.Equal(output, HtmlSanitizer.Sanitize(output));
    }
}
