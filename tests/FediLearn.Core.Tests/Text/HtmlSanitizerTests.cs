using System.Diagnostics;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using FediLearn.Core.Text;

namespace FediLearn.Core.Tests.Text;

/// <summary>security.md principle 6 and case 32: remote HTML goes through Mastodon's allowlist.</summary>
public sealed class HtmlSanitizerTests
{
    // ---- security.md case 32, exactly ----

    [Fact]
    public void A_thread_that_parsed_hostile_fragments_before_sanitizes_like_a_fresh_one()
    {
        // Every fragment is parsed in the context of one <body> kept per thread: nothing an earlier fragment did (a
        // <body> or <html> tag with attributes, a <template>, an unclosed table or form) may change what later ones give.
        string[] inputs =
        [
            "<body class=\"x\" onload=\"alert(1)\"><p>one</p>",
            "<html lang=\"xx\"><head><title>t</title></head><body><p>two</p></body></html>",
            "<template><p>hidden</p></template><p>three</p>",
            "<table><tr><td>cell", "<form><p>in a form</p>", "<svg><p>out of svg</p>",
            "<p>Hi <span class=\"h-card\"><a href=\"https://g.example/g\" class=\"u-url mention\">@<span>g</span></a></span> <b>four</b></p>",
            "<pre>\nfive</pre>", "<ul><li>six</li></ul>", "plain <b>seven",
        ];
        var fresh = inputs.Select(html =>
        {
            string? result = null;
            var thread = new Thread(() => result = HtmlSanitizer.Sanitize(html));
            thread.Start();
            thread.Join();
            return result;
        }).ToList();

        string?[] reused = new string?[inputs.Length * 3];
        var one = new Thread(() =>
        {
            for (var i = 0; i < reused.Length; i++) reused[i] = HtmlSanitizer.Sanitize(inputs[i % inputs.Length]);
        });
        one.Start();
        one.Join();

        for (var i = 0; i < reused.Length; i++) Assert.Equal(fresh[i % inputs.Length], reused[i]);
        Assert.Equal("<p>one</p>", fresh[0]);
    }

    [Fact]
    public void Case32_event_handler_attribute_and_script_are_removed()
        => Assert.Equal("<p>hi</p>", HtmlSanitizer.Sanitize("<p onclick=\"x\">hi</p><script>alert(1)</script>"));

    [Fact]
    public void Case32_javascript_link_becomes_its_text()
        => Assert.Equal("x", HtmlSanitizer.Sanitize("<a href=\"javascript:alert(1)\">x</a>"));

    [Theory]
    [InlineData("<img onerror=\"alert(1)\" src=\"x\">")]
    [InlineData("<img onerror>")]
    [InlineData("<iframe src=\"https://evil.example\">inner</iframe>")]
    [InlineData("<style>body{display:none}</style>")]
    public void Case32_img_iframe_and_style_are_removed_with_their_content(string html)
        => Assert.Equal(string.Empty, HtmlSanitizer.Sanitize(html));

    [Fact]
    public void Case32_unknown_classes_are_dropped_and_links_get_rel_nofollow_noopener()
    {
        var a = SingleAnchor(HtmlSanitizer.Sanitize("<a href=\"https://m.example/@ana\" class=\"mention evil u-url\">@ana</a>"));
        Assert.Equal("mention u-url", a.GetAttribute("class"));
        Assert.Equal("nofollow noopener", a.GetAttribute("rel"));
        Assert.Equal("_blank", a.GetAttribute("target"));
        Assert.Equal("https://m.example/@ana", a.GetAttribute("href"));
        Assert.Equal("@ana", a.TextContent);
    }

    // ---- link schemes ----

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JaVaScRiPt:alert(1)")]
    [InlineData("javascript&#58;alert(1)")]
    [InlineData("javascript&colon;alert(1)")]
    [InlineData("&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)")]
    [InlineData("&#x6A;avascript:alert(1)")]
    [InlineData("java\tscript:alert(1)")]
    [InlineData("java&#9;script:alert(1)")]
    [InlineData("java&#10;script:alert(1)")]
    [InlineData("java&#13;script:alert(1)")]
    [InlineData("java&#0;script:alert(1)")]
    [InlineData("java\u0001script:alert(1)")]
    [InlineData(" \u0001 javascript:alert(1)")]
    [InlineData("&#1;javascript:alert(1)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")]
    [InlineData("DATA:text/html,<script>alert(1)</script>")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("VBScript:msgbox(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("mailto:a@b.example")]
    [InlineData("ftp://files.example/x")]
    [InlineData("/relative/path")]
    [InlineData("//evil.example/x")]
    [InlineData("relative")]
    [InlineData("#fragment")]
    [InlineData("")]
    [InlineData("https:")]
    [InlineData("http://")]
    [InlineData(":https://x.example")]
    public void Links_with_unsafe_or_relative_hrefs_become_plain_text(string href)
    {
        var output = HtmlSanitizer.Sanitize($"<a href=\"{href}\">click</a>");
        Assert.Equal("click", output);
    }

    [Fact]
    public void Link_without_href_becomes_plain_text()
        => Assert.Equal("click", HtmlSanitizer.Sanitize("<a name=\"x\">click</a>"));

    [Theory]
    [InlineData("https://a.example/x?y=1&z=2#f")]
    [InlineData("http://a.example")]
    [InlineData("gemini://g.example/")]
    [InlineData("ipfs://bafy")]
    [InlineData("magnet:?xt=urn:btih:abc")]
    [InlineData("xmpp:ana@chat.example")]
    [InlineData("HTTPS://A.EXAMPLE/")]
    public void Links_with_allowlisted_schemes_are_kept(string href)
        => Assert.Equal(href, SingleAnchor(HtmlSanitizer.Sanitize($"<a href=\"{href.Replace("&", "&amp;", StringComparison.Ordinal)}\">x</a>")).GetAttribute("href"));

    [Fact]
    public void Tabs_and_newlines_inside_an_allowed_href_are_removed_like_browsers_do()
        => Assert.Equal("https://a.example/x", SingleAnchor(HtmlSanitizer.Sanitize("<a href=\" ht\ttp\ns://a.example/x \">x</a>")).GetAttribute("href"));

    [Fact]
    public void Rel_tag_is_kept_other_rel_values_are_replaced()
    {
        var a = SingleAnchor(HtmlSanitizer.Sanitize("<a href=\"https://a.example/tags/x\" rel=\"TAG me opener\" class=\"mention hashtag\">#x</a>"));
        Assert.Equal("nofollow noopener tag", a.GetAttribute("rel"));
        Assert.Equal("mention hashtag", a.GetAttribute("class"));
    }

    [Fact]
    public void Link_attributes_outside_the_allowlist_are_dropped()
    {
        var a = SingleAnchor(HtmlSanitizer.Sanitize("<a href=\"https://a.example\" target=\"_self\" style=\"color:red\" onmouseover=\"x()\" id=\"i\" translate=\"no\" ping=\"https://t.example\">x</a>"));
        var names = a.Attributes.Select(x => x.Name).OrderBy(x => x, StringComparer.Ordinal).ToArray();
        Assert.Equal(["href", "rel", "target", "translate"], names);
        Assert.Equal("_blank", a.GetAttribute("target"));
    }

    // ---- elements and attributes ----

    [Fact]
    public void Allowlisted_formatting_survives_unchanged()
    {
        const string html = "<p>a<br><strong>b</strong> <em>c</em> <b>d</b> <i>e</i> <u>f</u> <del>g</del> <s>h</s> <code>i</code></p>"
            + "<blockquote><p>q</p></blockquote><pre><code>x &lt; y</code></pre>"
            + "<ul><li>one</li></ul><ol start=\"3\" reversed><li value=\"7\">two</li></ol>";
        Assert.Equal(html, HtmlSanitizer.Sanitize(html));
    }

    [Fact]
    public void Headings_become_strong_paragraphs()
        => Assert.Equal("<p><strong>Title</strong></p><p>x</p>", HtmlSanitizer.Sanitize("<h1 id=\"t\">Title</h1><p>x</p>"));

    [Fact]
    public void Span_and_p_keep_only_microformat_and_mastodon_classes()
    {
        var output = HtmlSanitizer.Sanitize("<p class=\"evil quote-inline\"><span class=\"h-card invisible x-evil hashtag ellipsis dt-published e-content p-name hidden\" style=\"display:none\" translate=\"yes\">t</span></p>");
        Assert.Equal("<p class=\"quote-inline\"><span class=\"h-card invisible hashtag ellipsis dt-published e-content p-name\">t</span></p>", output);
    }

    [Fact]
    public void Class_attribute_is_omitted_when_nothing_is_left()
        => Assert.Equal("<span>t</span>", HtmlSanitizer.Sanitize("<span class=\"evil h- \">t</span>"));

    [Fact]
    public void Non_numeric_start_and_value_are_dropped()
        => Assert.Equal("<ol><li>x</li></ol>", HtmlSanitizer.Sanitize("<ol start=\"1;x\" type=\"a\"><li value=\"\">x</li></ol>"));

    [Fact]
    public void Unknown_elements_are_unwrapped_keeping_text()
        => Assert.Equal("<p>a <span>b</span> c</p>", HtmlSanitizer.Sanitize("<p>a <font color=red><span>b</span></font> <x-custom>c</x-custom></p>"));

    [Fact]
    public void Unknown_block_elements_leave_whitespace_so_words_do_not_merge()
        => Assert.Equal("\none\n\ntwo\n", HtmlSanitizer.Sanitize("<div>one</div><div>two</div>"));

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<SCRIPT SRC=//evil.example/x.js></SCRIPT>")]
    [InlineData("<style>@import 'x'</style>")]
    [InlineData("<object data=\"x.swf\">fallback</object>")]
    [InlineData("<embed src=\"x.swf\">")]
    [InlineData("<form action=\"https://evil.example\"><input name=\"p\"><button>Go</button></form>")]
    [InlineData("<textarea>&lt;script&gt;</textarea>")]
    [InlineData("<select><option>o</option></select>")]
    [InlineData("<template><script>alert(1)</script></template>")]
    [InlineData("<noscript><p>x</p></noscript>")]
    [InlineData("<svg><script>alert(1)</script></svg>")]
    [InlineData("<svg onload=alert(1)><circle r=5 /></svg>")]
    [InlineData("<svg><foreignObject><p onclick=x>f</p></foreignObject></svg>")]
    [InlineData("<math><mi>x</mi></math>")]
    [InlineData("<video src=x onerror=alert(1)>v</video>")]
    [InlineData("<audio><source src=x></audio>")]
    [InlineData("<!-- comment --><?php echo 1 ?>")]
    [InlineData("<title>t</title><meta http-equiv=refresh content=0><link rel=stylesheet href=x><base href=//evil.example>")]
    [InlineData("<xmp><script>alert(1)</script></xmp>")]
    [InlineData("<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>")]
    public void Dangerous_elements_are_removed_with_their_content(string html)
        => Assert.Equal(string.Empty, HtmlSanitizer.Sanitize(html).Trim());

    [Fact]
    public void Math_with_a_tex_annotation_becomes_the_tex_text()
    {
        const string html = "<p><math><semantics><mi>x</mi><annotation encoding=\"application/x-tex\">x^2 &lt; y</annotation></semantics></math></p>";
        Assert.Equal("<p>x^2 &lt; y</p>", HtmlSanitizer.Sanitize(html));
    }

    [Fact]
    public void Plaintext_element_swallowing_the_rest_is_removed()
        => Assert.Equal("<p>a</p>", HtmlSanitizer.Sanitize("<p>a</p><plaintext><p>b</p><script>x</script>"));

    [Fact]
    public void Comments_are_removed_but_neighbouring_text_stays()
        => Assert.Equal("<p>ab</p>", HtmlSanitizer.Sanitize("<p>a<!-- <script>alert(1)</script> -->b</p>"));

    [Fact]
    public void Attributes_without_values_do_not_break_anything()
    {
        Assert.Equal("<p>x</p>", HtmlSanitizer.Sanitize("<p onclick onload= class>x</p>"));
        Assert.Equal("x", HtmlSanitizer.Sanitize("<a href>x</a>"));
        Assert.Equal("<span>x</span>", HtmlSanitizer.Sanitize("<span class translate>x</span>"));
    }

    [Fact]
    public void Text_is_escaped_and_entities_are_normalised()
    {
        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; \u00A0</p>", HtmlSanitizer.Sanitize("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &nbsp;</p>"));
        Assert.Equal("1 &lt; 2 &amp;&amp; 3 &gt; 2", HtmlSanitizer.Sanitize("1 < 2 && 3 > 2"));
    }

    [Fact]
    public void Quotes_in_attribute_values_cannot_break_out()
    {
        var output = HtmlSanitizer.Sanitize("<a href='https://a.example/\"onmouseover=\"alert(1)'>x</a>");
        Assert.Contains("href=\"https://a.example/&quot;onmouseover=&quot;alert(1)\"", output, StringComparison.Ordinal);
        Assert.Null(SingleAnchor(output).GetAttribute("onmouseover"));
    }

    [Theory]
    [InlineData("<p>unclosed <b>bold <i>both</p>after")]
    [InlineData("<b><i>misnested</b></i>")]
    [InlineData("<p><p><p>")]
    [InlineData("</p></li></ul></a>text")]
    [InlineData("<a href=\"https://a.example\">one<a href=\"https://b.example\">two</a>")]
    [InlineData("<a href=\"https://a.example\"><table><tr><td><a href=\"https://b.example\">nested</a></td></tr></table></a>")]
    [InlineData("<p><table><tr><td><p>inner</p><h2>h</h2><li>item</li></td></tr></table></p>")]
    [InlineData("<li>stray<li>items")]
    [InlineData("<ul><li>a<li>b<ul><li>c</ul></ul>")]
    [InlineData("<pre>\n\nleading newlines</pre>")]
    [InlineData("<pre><div>\nblock in pre</div></pre>")]
    [InlineData("<span><p>block in inline</p></span>")]
    [InlineData("<ruby>漢<rp>(</rp><rt>kan<rt>nested</rt></rt><rp>)</rp></ruby><rt>stray</rt>")]
    [InlineData("<p>a<h1>h</h1>b</p>")]
    [InlineData("<<p>>x</<p>>")]
    [InlineData("<p title=\"</p><script>alert(1)</script>\">t</p>")]
    [InlineData("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">")]
    [InlineData("<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">")]
    [InlineData("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>")]
    [InlineData("<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>")]
    [InlineData("a\u0000b\u0001c\u007Fd\uD800e")]
    public void Hostile_markup_gives_safe_well_formed_idempotent_output(string html)
    {
        var once = HtmlSanitizer.Sanitize(html);
        AssertSafe(once);
        Assert.Equal(once, HtmlSanitizer.Sanitize(once));
    }

    [Fact]
    public void Nested_links_are_flattened()
    {
        var output = HtmlSanitizer.Sanitize("<a href=\"https://a.example\"><table><tr><td><a href=\"https://b.example\">nested</a></td></tr></table></a>");
        Assert.Single(Parse(output).QuerySelectorAll("a"));
        Assert.Contains("nested", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Mastodon_content_survives_unchanged()
    {
        const string html = "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://m.example/@ana\" class=\"u-url mention\" rel=\"nofollow noopener\" target=\"_blank\">@<span>ana</span></a></span> see "
            + "<a href=\"https://example.com/a/very/long/path\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/very</span><span class=\"invisible\">/long/path</span></a> "
            + "<a href=\"https://m.example/tags/rust\" class=\"mention hashtag\" rel=\"nofollow noopener tag\" target=\"_blank\">#<span>rust</span></a></p>";
        Assert.Equal(html, HtmlSanitizer.Sanitize(html));
    }

    [Fact]
    public void Null_and_empty_give_empty()
    {
        Assert.Equal(string.Empty, HtmlSanitizer.Sanitize(null));
        Assert.Equal(string.Empty, HtmlSanitizer.Sanitize(string.Empty));
    }

    // ---- helpers ----

    private static readonly HashSet<string> Allowed = ["p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp"];

    /// <summary>Parses the output as a browser would and checks that only allowlisted markup is there.</summary>
    internal static void AssertSafe(string html)
    {
        var root = Parse(html);
        var stack = new Stack<INode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is IComment)
            {
                Assert.Fail("comment in output");
            }

            if (node is IElement e && e != root)
            {
                Assert.Contains(e.LocalName, Allowed);
                Assert.Equal("http://www.w3.org/1999/xhtml", e.NamespaceUri);
                foreach (var attr in e.Attributes)
                {
                    Assert.False(attr.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler {attr.Name}");
                    Assert.Contains(attr.Name, new[] { "href", "rel", "class", "target", "translate", "start", "reversed", "value" });
                }

                if (e.LocalName == "a")
                {
                    var href = e.GetAttribute("href");
                    Assert.NotNull(href);
                    var scheme = href[..href.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant();
                    Assert.Contains(scheme, HtmlSanitizer.AllowedSchemes);
                    Assert.Equal("nofollow noopener", e.GetAttribute("rel")!.Replace(" tag", string.Empty, StringComparison.Ordinal));
                }
            }

            var children = node.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
            for (var index = children.Length - 1; index >= 0; index--)
            {
                var child = children[index];
                stack.Push(child);
            }
        }
    }

    internal static IElement Parse(string html)
    {
        var parser = new HtmlParser();
        var doc = parser.ParseDocument("<!DOCTYPE html><body></body>");
        doc.Body!.InnerHtml = html;
        return doc.Body;
    }

    internal static IElement SingleAnchor(string html) => Assert.Single(Parse(html).QuerySelectorAll("a"));

    internal static int MaxDepth(INode root)
    {
        var max = 0;
        var stack = new Stack<(INode, int)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            max = Math.Max(max, depth);
            foreach (var child in node.ChildNodes)
            {
                stack.Push((child, depth + 1));
            }
        }

        return max;
    }
}
