using System.Globalization;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using FediLearn.ActivityPub.Json;

namespace FediLearn.Core.Text;

/// <summary>
/// Allowlist HTML sanitizer on AngleSharp (security.md principle 6; reference: Mastodon's MASTODON_STRICT,
/// reference/signatures.md §4). The input is parsed as a body fragment exactly as a browser would, then the tree
/// is walked iteratively (no recursion, so any depth is safe) and re-serialized by hand: only allowlisted
/// elements and attributes are written, text and attribute values are escaped here, so the output is
/// well-formed whatever the input was.
/// <para>
/// Output rules that make re-sanitizing a no-op (idempotence) and keep the output parsing back to the same tree:
/// block elements (<c>p pre blockquote ul ol li</c>) are unwrapped inside phrasing content (inside <c>p</c>,
/// <c>pre</c> or an inline element); <c>li</c> is kept only directly inside <c>ul</c>/<c>ol</c>; <c>rt</c>/<c>rp</c>
/// only directly inside <c>ruby</c>; an <c>a</c> inside another <c>a</c> is unwrapped; nesting deeper than
/// <see cref="MaxDepth"/> is unwrapped; a newline that starts a <c>pre</c> is doubled (the parser drops one).
/// </para>
/// </summary>
public static class HtmlSanitizer
{
    /// <summary>Deepest element nesting written; deeper elements are unwrapped (their text is kept).</summary>
    public const int MaxDepth = 64;

    internal const string HtmlNamespace = "http://www.w3.org/1999/xhtml";
    internal const string MathMLNamespace = "http://www.w3.org/1998/Math/MathML";

    /// <summary>Link schemes kept on <c>a[href]</c> (Mastodon's LINK_PROTOCOLS). Relative links are not kept.</summary>
    public static readonly IReadOnlySet<string> AllowedSchemes = new HashSet<string>(StringComparer.Ordinal)
    {
        "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
    };

    private static readonly HashSet<string> ExactClasses = new(StringComparer.Ordinal)
    {
        "mention", "hashtag", "ellipsis", "invisible", "quote-inline",
    };

    private static readonly string[] ClassPrefixes = ["h-", "p-", "u-", "dt-", "e-"];

    /// <summary>Inline elements kept without attributes.</summary>
    private static readonly HashSet<string> PlainInline = new(StringComparer.Ordinal)
    {
        "del", "s", "code", "b", "strong", "u", "i", "em", "ruby",
    };

    /// <summary>Removed together with everything inside them.</summary>
    private static readonly HashSet<string> DropWithContent = new(StringComparer.Ordinal)
    {
        "script", "style", "iframe", "frame", "frameset", "noframes", "noembed", "noscript", "object", "embed",
        "applet", "param", "img", "image", "picture", "source", "track", "audio", "video", "canvas", "map", "area",
        "form", "input", "button", "select", "option", "optgroup", "datalist", "textarea", "output", "progress",
        "meter", "template", "slot", "title", "head", "meta", "link", "base", "basefont", "bgsound", "svg", "xmp",
        "plaintext", "portal", "keygen", "menuitem", "fencedframe", "search",
    };

    /// <summary>Unwrapped with a line break of whitespace around their text so words of adjacent blocks do not run together.</summary>
    private static readonly HashSet<string> BlockLike = new(StringComparer.Ordinal)
    {
        "p", "pre", "blockquote", "ul", "ol", "li", "div", "section", "article", "aside", "header", "footer", "nav",
        "main", "address", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "table", "caption",
        "thead", "tbody", "tfoot", "tr", "td", "th", "hr", "center", "fieldset", "legend", "hgroup", "menu", "dir",
        "listing", "dialog", "h1", "h2", "h3", "h4", "h5", "h6",
    };

    /// <summary>Sanitizes untrusted HTML. Null or empty input gives an empty string; never throws on bad markup.</summary>
    public static string Sanitize(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return string.Empty;
        }

        var nodes = ParseFragment(html);
        return SanitizeNodes(nodes);
    }

    /// <summary>
    /// Nesting (as estimated by <see cref="EstimateDepth"/>) above which the markup is not parsed as a tree: the HTML
    /// tree builder does work proportional to the depth of open elements for many tokens, so a megabyte of unclosed
    /// <c>&lt;b&gt;</c> or <c>&lt;div&gt;</c> would take minutes. Such input keeps only its text.
    /// </summary>
    public const int MaxParseDepth = 256;

    [ThreadStatic] private static HtmlParser? _parser;

    /// <summary>
    /// The &lt;body&gt; of an empty standards-mode document, the context every fragment is parsed in. AngleSharp's fragment
    /// parser only reads it (its name and prefix) and builds the fragment in a document of its own, so one per thread
    /// serves every parse; building it each time was a whole document parse, with its load events, per reply.
    /// </summary>
    [ThreadStatic] private static IElement? _context;

    /// <summary>Parses <paramref name="html"/> as the content of a standards-mode &lt;body&gt;, like innerHTML.</summary>
    internal static INodeList ParseFragment(string html)
    {
        if (EstimateDepth(html) > MaxParseDepth)
        {
            html = StripTags(html);
        }

        // Building a parser (its browsing context and configuration) cost more than parsing a reply (inbox profile,
        // docs/performance.md): one per thread, reused; ParseFragment is synchronous, so a thread never shares it.
        var parser = _parser ??= new HtmlParser(new HtmlParserOptions
        {
            IsScripting = false,
            SkipComments = true,
            SkipProcessingInstructions = true,
            IsNotSupportingFrames = true,
        });
        var context = _context ??= parser.ParseDocument("<!DOCTYPE html><html><head></head><body></body></html>").Body!;
        return parser.ParseFragment(html, context);
    }

    /// <summary>Elements that never stay open (void) or that the parser closes implicitly (so sloppy HTML does not look deep).</summary>
    private static readonly HashSet<string> NotNesting = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "keygen", "image", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
        "colgroup", "caption", "rt", "rp", "rb", "rtc",
    };

    /// <summary>
    /// A cheap, linear upper-bound-ish estimate of element nesting: start tags (other than void and implicitly
    /// closed ones, and not self-closed) count up, end tags count down.
    /// </summary>
    internal static int EstimateDepth(string html)
    {
        int depth = 0, max = 0;
        var i = html.IndexOf('<', StringComparison.Ordinal);
        while (i >= 0 && i < html.Length - 1)
        {
            var isEnd = html[i + 1] == '/';
            var nameStart = isEnd ? i + 2 : i + 1;
            var nameEnd = nameStart;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] is '-' or ':' or '_'))
            {
                nameEnd++;
            }

            if (nameEnd > nameStart && IsAsciiLetter(html[nameStart]))
            {
                var close = html.IndexOf('>', nameEnd);
                var selfClosing = close > 0 && html[close - 1] == '/';
                if (isEnd)
                {
                    depth = Math.Max(0, depth - 1);
                }
                else if (!selfClosing && !NotNesting.Contains(html[nameStart..nameEnd]))
                {
                    depth++;
                    max = Math.Max(max, depth);
                }

                if (close < 0)
                {
                    break;
                }

                i = html.IndexOf('<', close + 1);
            }
            else
            {
                i = html.IndexOf('<', i + 1);
            }
        }

        return max;
    }

    /// <summary>Removes everything that looks like a tag and escapes stray '&lt;', leaving text (entities intact) only.</summary>
    internal static string StripTags(string html)
    {
        var sb = new StringBuilder(html.Length);
        var i = 0;
        while (i < html.Length)
        {
            var c = html[i];
            if (c == '<' && i + 1 < html.Length && (IsAsciiLetter(html[i + 1]) || html[i + 1] is '/' or '!' or '?'))
            {
                var close = html.IndexOf('>', i + 1);
                if (close < 0)
                {
                    break; // an unterminated tag swallows the rest, as in the tokenizer
                }

                sb.Append(' ');
                i = close + 1;
                continue;
            }

            sb.Append(c == '<' ? "&lt;" : c.ToString());
            i++;
        }

        return sb.ToString();
    }

    /// <summary>Sanitizes already parsed nodes (used by <see cref="MarkdownRenderer"/> after it added links).</summary>
    internal static string SanitizeNodes(IEnumerable<INode> nodes)
    {
        var writer = new Writer();
        var work = new Stack<Work>();
        foreach (var node in nodes.Reverse())
        {
            work.Push(Work.ForNode(node));
        }

        while (work.Count > 0)
        {
            var item = work.Pop();
            if (item.CloseTag is not null)
            {
                writer.Close(item.CloseTag);
            }
            else if (item.Text is not null)
            {
                writer.Text(item.Text);
            }
            else if (item.Node is not null)
            {
                Visit(item.Node, writer, work);
            }
        }

        return writer.Finish();
    }

    private static void Visit(INode node, Writer writer, Stack<Work> work)
    {
        switch (node)
        {
            case IText text:
                writer.Text(text.Data);
                return;
            case IElement element:
                VisitElement(element, writer, work);
                return;
            default:
                // Comments, doctypes, processing instructions: dropped.
                return;
        }
    }

    private static void VisitElement(IElement element, Writer writer, Stack<Work> work)
    {
        var name = element.LocalName.ToLowerInvariant();
        if (element.NamespaceUri != HtmlNamespace)
        {
            if (element.NamespaceUri == MathMLNamespace && name == "math")
            {
                // Mastodon: <math> is replaced by its TeX annotation (as sent by Akkoma/Iceshrimp); otherwise dropped.
                var tex = FindTexAnnotation(element);
                if (tex is not null)
                {
                    writer.Text(tex);
                }
            }

            // svg and every other foreign element go, content included.
            return;
        }

        if (DropWithContent.Contains(name) || name == "math")
        {
            return;
        }

        var canNest = writer.Depth < MaxDepth;
        switch (name)
        {
            case "br":
                writer.Void("br");
                return;
            case "p" when canNest && !writer.InPhrasing:
                Open(element, writer, work, "p", ClassAttribute(element));
                return;
            case "h1" or "h2" or "h3" or "h4" or "h5" or "h6" when canNest:
                // Headings become <p><strong>…</strong></p> (just <strong> where a <p> cannot go).
                if (writer.InPhrasing || writer.Depth + 1 >= MaxDepth)
                {
                    writer.Text("\n");
                    work.Push(Work.ForText("\n"));
                    Open(element, writer, work, "strong", []);
                }
                else
                {
                    writer.Open("p", []);
                    work.Push(Work.ForClose("p"));
                    Open(element, writer, work, "strong", []);
                }

                return;
            case "pre" or "blockquote" or "ul" when canNest && !writer.InPhrasing:
                Open(element, writer, work, name, []);
                return;
            case "ol" when canNest && !writer.InPhrasing:
                Open(element, writer, work, "ol", OlAttributes(element));
                return;
            case "li" when canNest && writer.Parent is "ul" or "ol":
                Open(element, writer, work, "li", IntAttribute(element, "value"));
                return;
            case "span" when canNest:
                Open(element, writer, work, "span", [.. ClassAttribute(element), .. TranslateAttribute(element)]);
                return;
            case "rt" or "rp" when canNest && writer.Parent == "ruby":
                Open(element, writer, work, name, []);
                return;
            case "a" when canNest && !writer.InAnchor:
                var href = SafeHref(element.GetAttribute("href"));
                if (href is not null)
                {
                    Open(element, writer, work, "a", AnchorAttributes(element, href));
                    return;
                }

                break; // unsafe or relative link: replaced by its text
            default:
                if (canNest && PlainInline.Contains(name))
                {
                    Open(element, writer, work, name, []);
                    return;
                }

                break;
        }

        // Unknown, misplaced or too deep: unwrap, keeping the text.
        var blockLike = BlockLike.Contains(name);
        if (blockLike)
        {
            writer.Text("\n");
            work.Push(Work.ForText("\n"));
        }

        PushChildren(element, work);
    }

    private static void Open(IElement element, Writer writer, Stack<Work> work, string tag, IReadOnlyList<KeyValuePair<string, string?>> attributes)
    {
        writer.Open(tag, attributes);
        work.Push(Work.ForClose(tag));
        PushChildren(element, work);
    }

    private static void PushChildren(INode parent, Stack<Work> work)
    {
        var children = parent.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
        for (var index = children.Length - 1; index >= 0; index--)
        {
            var child = children[index];
            work.Push(Work.ForNode(child));
        }
    }

    private static List<KeyValuePair<string, string?>> AnchorAttributes(IElement a, string href)
    {
        var attributes = new List<KeyValuePair<string, string?>> { new("href", href) };
        var rel = (a.GetAttribute("rel") ?? string.Empty)
            .Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries)
            .Any(r => r.Equals("tag", StringComparison.OrdinalIgnoreCase));
        attributes.AddRange(ClassAttribute(a));
        attributes.Add(new("rel", rel ? "nofollow noopener tag" : "nofollow noopener"));
        attributes.Add(new("target", "_blank"));
        attributes.AddRange(TranslateAttribute(a));
        return attributes;
    }

    private static List<KeyValuePair<string, string?>> OlAttributes(IElement ol)
    {
        var attributes = IntAttribute(ol, "start");
        if (ol.HasAttribute("reversed"))
        {
            attributes.Add(new("reversed", null));
        }

        return attributes;
    }

    private static List<KeyValuePair<string, string?>> IntAttribute(IElement element, string name)
    {
        var value = element.GetAttribute(name);
        if (value is not null && int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return [new(name, number.ToString(CultureInfo.InvariantCulture))];
        }

        return [];
    }

    private static List<KeyValuePair<string, string?>> TranslateAttribute(IElement element)
    {
        var value = element.GetAttribute("translate");
        return value is not null && value.Trim().Equals("no", StringComparison.OrdinalIgnoreCase)
            ? [new("translate", "no")]
            : [];
    }

    private static readonly char[] AsciiWhitespace = [' ', '\t', '\n', '\f', '\r'];

    private static List<KeyValuePair<string, string?>> ClassAttribute(IElement element)
    {
        var value = element.GetAttribute("class");
        if (value is null)
        {
            return [];
        }

        var kept = FilterClasses(value);
        return kept.Length == 0 ? [] : [new("class", kept)];
    }

    /// <summary>Keeps only microformat classes (<c>h-* p-* u-* dt-* e-*</c>) and Mastodon's own; order kept, duplicates removed.</summary>
    public static string FilterClasses(string classes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<string>();
        foreach (var token in classes.Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries))
        {
            var ok = ExactClasses.Contains(token)
                || ClassPrefixes.Any(p => token.Length > p.Length && token.StartsWith(p, StringComparison.Ordinal));
            if (ok && seen.Add(token))
            {
                kept.Add(token);
            }
        }

        return string.Join(' ', kept);
    }

    /// <summary>
    /// Returns the href to write, or null when the link must be replaced by its text: relative links and any scheme
    /// outside <see cref="AllowedSchemes"/>. Follows the URL parser's leniency: leading/trailing controls and spaces
    /// are stripped and tabs/newlines anywhere are ignored (so "java\tscript:" is javascript:); any other character
    /// before the colon means "no scheme", i.e. relative, i.e. rejected.
    /// </summary>
    public static string? SafeHref(string? href)
    {
        if (href is null)
        {
            return null;
        }

        var cleaned = new StringBuilder(href.Length);
        foreach (var c in href.AsSpan().Trim("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u0020"))
        {
            if (c is '\t' or '\n' or '\r')
            {
                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return null; // controls or broken UTF-16 inside a URL: not worth the risk
            }

            cleaned.Append(c);
        }

        var value = cleaned.ToString();
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        var scheme = value[..colon];
        if (!IsAsciiLetter(scheme[0]) || !scheme.All(c => IsAsciiLetter(c) || char.IsAsciiDigit(c) || c is '+' or '-' or '.'))
        {
            return null;
        }

        scheme = scheme.ToLowerInvariant();
        if (!AllowedSchemes.Contains(scheme))
        {
            return null;
        }

        if (scheme is "http" or "https"
            && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)))
        {
            return null;
        }

        return value;
    }

    private static bool IsAsciiLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    private static string? FindTexAnnotation(IElement math)
    {
        var stack = new Stack<INode>();
        stack.Push(math);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is IElement e && e.LocalName == "annotation"
                && string.Equals(e.GetAttribute("encoding"), "application/x-tex", StringComparison.OrdinalIgnoreCase))
            {
                return CollectText(e);
            }

            var children = node.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
            for (var index = children.Length - 1; index >= 0; index--)
            {
                var child = children[index];
                stack.Push(child);
            }
        }

        return null;
    }

    /// <summary>Text content without recursion.</summary>
    internal static string CollectText(INode root)
    {
        var sb = new StringBuilder();
        var stack = new Stack<INode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is IText t)
            {
                sb.Append(t.Data);
            }

            var children = node.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
            for (var index = children.Length - 1; index >= 0; index--)
            {
                var child = children[index];
                stack.Push(child);
            }
        }

        return sb.ToString();
    }

    private readonly record struct Work(INode? Node, string? CloseTag, string? Text)
    {
        public static Work ForNode(INode node) => new(node, null, null);

        public static Work ForClose(string tag) => new(null, tag, null);

        public static Work ForText(string text) => new(null, null, text);
    }

    /// <summary>Writes the output and tracks the open elements, which decide what may be nested where.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _sb = ThreadStringBuilder.Acquire();
        private readonly List<string> _open = [];
        private int _phrasing;
        private int _anchors;
        private bool _justOpenedPre;

        public int Depth => _open.Count;

        public bool InPhrasing => _phrasing > 0;

        public bool InAnchor => _anchors > 0;

        public string? Parent => _open.Count == 0 ? null : _open[^1];

        public void Open(string tag, IReadOnlyList<KeyValuePair<string, string?>> attributes)
        {
            _justOpenedPre = false;
            _sb.Append('<').Append(tag);
            foreach (var (name, value) in attributes)
            {
                _sb.Append(' ').Append(name);
                if (value is not null)
                {
                    _sb.Append("=\"");
                    Escape(value, attribute: true);
                    _sb.Append('"');
                }
            }

            _sb.Append('>');
            _open.Add(tag);
            if (tag is not ("blockquote" or "ul" or "ol" or "li"))
            {
                _phrasing++;
            }

            if (tag == "a")
            {
                _anchors++;
            }

            _justOpenedPre = tag == "pre";
        }

        public void Close(string tag)
        {
            _justOpenedPre = false;
            _sb.Append("</").Append(tag).Append('>');
            _open.RemoveAt(_open.Count - 1);
            if (tag is not ("blockquote" or "ul" or "ol" or "li"))
            {
                _phrasing--;
            }

            if (tag == "a")
            {
                _anchors--;
            }
        }

        public void Void(string tag)
        {
            _justOpenedPre = false;
            _sb.Append('<').Append(tag).Append('>');
        }

        public void Text(string text)
        {
            if (text.Length == 0)
            {
                return;
            }

            if (_justOpenedPre && text[0] == '\n')
            {
                // The parser drops a newline right after <pre>; write one more so the text survives a re-parse.
                _sb.Append('\n');
            }

            _justOpenedPre = false;
            Escape(text, attribute: false);
        }

        private void Escape(string text, bool attribute)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                switch (c)
                {
                    case '&':
                        _sb.Append("&amp;");
                        break;
                    case '<':
                        _sb.Append("&lt;");
                        break;
                    case '>':
                        _sb.Append("&gt;");
                        break;
                    case '"' when attribute:
                        _sb.Append("&quot;");
                        break;
                    case '\t' or '\n':
                        _sb.Append(c);
                        break;
                    case '\r' or '\f' or '\v':
                        _sb.Append(attribute ? ' ' : '\n');
                        break;
                    case < ' ' or '\u007F':
                        break; // other control characters are dropped
                    case >= '\uD800' and <= '\uDBFF' when i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]):
                        _sb.Append(c).Append(text[i + 1]);
                        i++;
                        break;
                    case >= '\uD800' and <= '\uDFFF':
                        _sb.Append('\uFFFD'); // lone surrogate
                        break;
                    default:
                        _sb.Append(c);
                        break;
                }
            }
        }

        /// <summary>The written HTML; the builder goes back to the thread (<see cref="ThreadStringBuilder"/>), so call it once.</summary>
        public string Finish() => ThreadStringBuilder.Release(_sb);
    }
}
