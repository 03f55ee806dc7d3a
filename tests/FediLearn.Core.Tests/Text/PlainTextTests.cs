using System.Text;
using FediLearn.Core.Text;

namespace FediLearn.Core.Tests.Text;

/// <summary>Plain text for summaries, feeds and notifications (and security.md case 33: remote HTML shown as text).</summary>
public sealed class PlainTextTests
{
    [Fact]
    public void Paragraphs_are_separated_by_a_blank_line()
        => Assert.Equal("one\n\ntwo\n\nthree", PlainText.FromHtml("<p>one</p><p>two</p>\n<p>three</p>"));

    [Fact]
    public void Br_becomes_a_newline_and_two_make_a_blank_line()
    {
        Assert.Equal("a\nb", PlainText.FromHtml("<p>a<br>b</p>"));
        Assert.Equal("a\n\nb", PlainText.FromHtml("a<br/><br/>b"));
    }

    [Fact]
    public void Entities_are_decoded()
        => Assert.Equal("<b> & \"q\" © é x", PlainText.FromHtml("&lt;b&gt; &amp; &quot;q&quot; &copy; &#233; &#x78;"));

    [Fact]
    public void Whitespace_is_collapsed_and_trimmed()
        => Assert.Equal("a b c", PlainText.FromHtml("  <p>\n  a \t\n b&nbsp; <span> c </span>  </p>  "));

    [Fact]
    public void List_items_are_on_their_own_lines_and_headings_are_paragraphs()
        => Assert.Equal("Title\n\nintro\n\none\ntwo\n\nend", PlainText.FromHtml("<h2>Title</h2>intro<ul><li>one</li><li>two</li></ul>end"));

    [Fact]
    public void Pre_keeps_its_line_breaks()
        => Assert.Equal("code:\n\nline1\nline2", PlainText.FromHtml("code:<pre>line1\nline2</pre>"));

    [Fact]
    public void Scripts_styles_and_markup_never_appear_as_text()
        => Assert.Equal("hi there", PlainText.FromHtml("<p onclick=\"x\">hi <script>alert(1)</script><style>p{}</style><img alt=\"i\">there</p><!-- c -->"));

    [Fact]
    public void Mastodon_link_spans_give_the_full_url()
        => Assert.Equal(
            "see https://example.com/a/very/long/path #rust",
            PlainText.FromHtml("<p>see <a href=\"https://example.com/a/very/long/path\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/very</span><span class=\"invisible\">/long/path</span></a> <a class=\"mention hashtag\">#<span>rust</span></a></p>"));

    [Fact]
    public void Long_text_is_truncated_at_a_word_boundary_with_an_ellipsis()
    {
        var result = PlainText.FromHtml("<p>The quick brown fox jumps over the lazy dog</p>", 20);
        Assert.Equal("The quick brown fox…", result);
        Assert.True(result.Length <= 20);
    }

    [Fact]
    public void Truncation_does_not_end_in_a_partial_word()
        => Assert.Equal("The quick…", PlainText.FromHtml("The quick brownish fox", 16));

    [Fact]
    public void A_single_long_word_is_cut_hard()
        => Assert.Equal("abcdefghi…", PlainText.FromHtml("abcdefghijklmnopqrstuvwxyz", 10));

    [Fact]
    public void Truncation_never_splits_a_surrogate_pair()
    {
        var result = PlainText.FromHtml("😀😀😀😀😀😀", 4);
        Assert.Equal("😀…", result);
    }

    [Fact]
    public void Text_at_or_under_the_limit_is_not_truncated()
    {
        Assert.Equal("exactly ten", PlainText.FromHtml("<p>exactly ten</p>", 11));
        Assert.Equal("short", PlainText.FromHtml("short"));
    }

    [Fact]
    public void Null_empty_and_zero_length_give_empty()
    {
        Assert.Equal(string.Empty, PlainText.FromHtml(null));
        Assert.Equal(string.Empty, PlainText.FromHtml(""));
        Assert.Equal(string.Empty, PlainText.FromHtml("<p>x</p>", 0));
    }

    [Fact]
    public void Deeply_nested_and_large_input_is_handled()
    {
        var deep = string.Concat(Enumerable.Repeat("<div><span>", 10_000)) + "deep";
        Assert.Equal("deep", PlainText.FromHtml(deep));

        var big = new StringBuilder();
        while (big.Length < 1_000_000)
        {
            big.Append("<p>word word</p>");
        }

        var result = PlainText.FromHtml(big.ToString(), 500);
        Assert.True(result.Length <= 500);
        Assert.EndsWith("…", result, StringComparison.Ordinal);
    }
}
