using System.Globalization;
using System.Text;
using AngleSharp.Dom;

namespace FediLearn.Core.Text;

/// <summary>Plain text from (untrusted) HTML, for summaries, feeds, notifications and display names.</summary>
public static class PlainText
{
    /// <summary>Hidden or non-text content: skipped entirely.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal)
    {
        "script", "style", "template", "noscript", "noembed", "noframes", "iframe", "object", "embed", "svg", "math",
        "head", "title", "meta", "link", "select", "textarea", "button", "img", "video", "audio", "canvas",
    };

    /// <summary>Separated from their neighbours by a blank line.</summary>
    private static readonly HashSet<string> Paragraphs = new(StringComparer.Ordinal)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table", "figure", "hr",
        "section", "article", "aside", "header", "footer", "nav", "main", "address", "details", "fieldset", "listing",
    };

    /// <summary>Start on a new line.</summary>
    private static readonly HashSet<string> Lines = new(StringComparer.Ordinal)
    {
        "div", "li", "dt", "dd", "tr", "caption", "figcaption", "summary", "legend", "center", "hgroup", "menu", "dir",
    };

    /// <summary>
    /// Text content of HTML: paragraphs and other blocks are separated by a blank line, list items, divs and
    /// <c>&lt;br&gt;</c> by a line break, entities are decoded, runs of whitespace collapse to one space (inside
    /// <c>pre</c> line breaks are kept), and the result is trimmed. When longer than <paramref name="maxLength"/> it
    /// is cut at a word boundary and ends with "…" (the result, "…" included, is at most maxLength characters).
    /// </summary>
    public static string FromHtml(string? html, int maxLength = int.MaxValue)
    {
        if (string.IsNullOrEmpty(html) || maxLength <= 0)
        {
            return string.Empty;
        }

        var nodes = HtmlSanitizer.ParseFragment(html);
        var output = new Output();
        var stack = new Stack<(INode? Node, int BreakAfter, bool Pre)>();
        foreach (var node in nodes.Reverse())
        {
            stack.Push((node, 0, false));
        }

        while (stack.Count > 0)
        {
            var (node, breakAfter, pre) = stack.Pop();
            if (node is null)
            {
                output.Break(breakAfter);
                continue;
            }

            switch (node)
            {
                case IText text:
                    output.Text(text.Data, pre);
                    continue;
                case IElement element:
                    var name = element.LocalName.ToLowerInvariant();
                    if (Skipped.Contains(name) || element.NamespaceUri != HtmlSanitizer.HtmlNamespace)
                    {
                        continue;
                    }

                    if (name == "br")
                    {
                        output.Break(1, force: true);
                        continue;
                    }

                    var breaks = Paragraphs.Contains(name) ? 2 : Lines.Contains(name) ? 1 : 0;
                    output.Break(breaks);
                    stack.Push((null, breaks, false));
                    var childPre = pre || name is "pre" or "listing";
                    var children = element.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
                    for (var index = children.Length - 1; index >= 0; index--)
                    {
                        var child = children[index];
                        stack.Push((child, 0, childPre));
                    }

                    continue;
            }
        }

        return Truncate(output.ToString(), maxLength);
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxLength"/> characters, at a word boundary, ending with "…".</summary>
    public static string Truncate(string text, int maxLength)
    {
        if (maxLength <= 0)
        {
            return string.Empty;
        }

        if (text.Length <= maxLength)
        {
            return text;
        }

        // Room for the ellipsis; never split a surrogate pair or a combining sequence.
        var limit = maxLength - 1;
        var cut = 0;
        while (cut < text.Length)
        {
            var end = cut + StringInfo.GetNextTextElementLength(text, cut);
            if (end > limit)
            {
                break;
            }

            cut = end;
        }

        var head = text[..cut];
        var cutsWord = cut < text.Length && !char.IsWhiteSpace(text[cut]) && cut > 0 && !char.IsWhiteSpace(text[cut - 1]);
        if (cutsWord)
        {
            var space = head.LastIndexOfAny([' ', '\n', '\t']);
            if (space > 0)
            {
                head = head[..space];
            }
        }

        return head.TrimEnd() + "…";
    }

    /// <summary>Builds the text: collapses whitespace and merges consecutive breaks (the larger wins).</summary>
    private sealed class Output
    {
        private readonly StringBuilder _sb = new();
        private int _pendingBreak;
        private bool _pendingSpace;

        public void Break(int lines, bool force = false)
        {
            if (lines <= 0)
            {
                return;
            }

            _pendingSpace = false;
            if (force && _pendingBreak > 0 && _pendingBreak < 2)
            {
                // consecutive <br>s count: <br><br> is a blank line
                _pendingBreak = 2;
                return;
            }

            _pendingBreak = Math.Max(_pendingBreak, lines);
        }

        public void Text(string text, bool pre)
        {
            foreach (var c in text)
            {
                if (pre && c == '\n')
                {
                    Break(1, force: true);
                }
                else if (char.IsWhiteSpace(c))
                {
                    if (_pendingBreak == 0)
                    {
                        _pendingSpace = true;
                    }
                }
                else if (!char.IsControl(c))
                {
                    Flush();
                    _sb.Append(c);
                }
            }
        }

        private void Flush()
        {
            if (_sb.Length > 0)
            {
                if (_pendingBreak > 0)
                {
                    _sb.Append('\n', Math.Min(_pendingBreak, 2));
                }
                else if (_pendingSpace)
                {
                    _sb.Append(' ');
                }
            }

            _pendingBreak = 0;
            _pendingSpace = false;
        }

        public override string ToString() => _sb.ToString();
    }
}
