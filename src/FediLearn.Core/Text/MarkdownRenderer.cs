using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Markdig;
using Markdig.Extensions.EmphasisExtras;

namespace FediLearn.Core.Text;

/// <summary>A hashtag or mention found while rendering; becomes an ActivityPub <c>tag</c> entry.</summary>
/// <param name="Type"><c>Mention</c> or <c>Hashtag</c>.</param>
/// <param name="Name"><c>@user@host</c> or <c>#tag</c> (lower case).</param>
/// <param name="Href">Actor id, or <c>{baseUrl}/tags/{tag}</c>.</param>
public sealed record TextTag(string Type, string Name, string Href)
{
    public const string MentionType = "Mention";
    public const string HashtagType = "Hashtag";
}

/// <summary>Sanitized HTML plus the tags found in it (in order of first appearance, deduplicated).</summary>
public sealed record RenderedText(string Html, IReadOnlyList<TextTag> Tags);

/// <summary>
/// Markdown (CommonMark + autolinks + ~~strikethrough~~; raw HTML is escaped, never passed through) to HTML,
/// then hashtags and mentions are linked (outside links, code and pre), then everything goes through
/// <see cref="HtmlSanitizer"/>. Images are turned into links to the image (text: the alt text), since posts carry
/// media as attachments, not inline.
/// </summary>
public sealed partial class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAutoLinks()
        .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
        .DisableHtml()
        .Build();

    private readonly string _baseUrl;

    /// <param name="baseUrl">Absolute http(s) URL of this server, e.g. <c>https://coop.example</c>; a trailing slash is ignored.</param>
    public MarkdownRenderer(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var trimmed = baseUrl.TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The base URL must be an absolute http or https URL.", nameof(baseUrl));
        }

        _baseUrl = trimmed;
    }

    // Mastodon-like: not after a letter/digit/_ or / = ) & # (URLs, entities, "a#b"); the tag needs a letter.
    [GeneratedRegex(@"(?<![\p{L}\p{M}\p{N}\p{Pc}/=)&#@])#(?<tag>[\p{L}\p{M}\p{Nd}\p{Pc}]+)", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagRegex();

    // @user@host[:port]; not after a word character, '/', '@' or '.' (e-mail addresses, URLs).
    [GeneratedRegex(@"(?<![\p{L}\p{N}\p{Pc}/@.])@(?<user>[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?)@(?<host>[\p{L}\p{N}](?:[\p{L}\p{N}.\-]*[\p{L}\p{N}])?(?::[0-9]{1,5})?)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionRegex();

    /// <summary>Renders Markdown written by a local user.</summary>
    /// <param name="markdown">The source; null gives empty HTML.</param>
    /// <param name="resolveMention">(user, host) to actor id, or null when unknown; without it no mention is linked.</param>
    public RenderedText Render(string? markdown, Func<string, string, string?>? resolveMention = null)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return new RenderedText(string.Empty, []);
        }

        string html;
        try
        {
            html = Markdown.ToHtml(markdown, Pipeline);
        }
        catch (ArgumentException)
        {
            // Markdig refuses absurdly deep nesting; show such input as text paragraphs instead of failing the post.
            html = PlainParagraphs(markdown);
        }
        var nodes = HtmlSanitizer.ParseFragment(html);
        if (nodes.Length == 0)
        {
            return new RenderedText(string.Empty, []);
        }

        var root = nodes[0].Parent!;
        var tags = new TagCollector();
        var mentions = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        var texts = new List<IText>();
        var images = new List<IElement>();
        var blankTexts = new List<IText>();
        var stack = new Stack<(INode Node, bool NoTags)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (node, noTags) = stack.Pop();
            switch (node)
            {
                case IText when noTags:
                    continue;
                case IText t:
                    if (string.IsNullOrWhiteSpace(t.Data) && t.Parent is { } p
                        && (p == root || p is IElement { LocalName: "blockquote" or "ul" or "ol" }))
                    {
                        blankTexts.Add(t); // Markdig's newlines between blocks: not content
                    }
                    else
                    {
                        texts.Add(t);
                    }

                    continue;
                case IElement { LocalName: "a" or "code" or "pre" }:
                    noTags = true; // no tags inside links or code
                    break;
                case IElement { LocalName: "img" } img:
                    images.Add(img);
                    continue;
            }

            var children = node.ChildNodes; // indexed: sibling properties are O(n) in AngleSharp
            for (var index = children.Length - 1; index >= 0; index--)
            {
                var child = children[index];
                stack.Push((child, noTags));
            }
        }

        foreach (var blank in blankTexts)
        {
            blank.Parent!.RemoveChild(blank);
        }

        foreach (var text in texts)
        {
            LinkTags(text, resolveMention, mentions, tags);
        }

        foreach (var img in images)
        {
            ReplaceImage(img);
        }

        var sanitized = HtmlSanitizer.SanitizeNodes(root.ChildNodes.ToArray());
        return new RenderedText(sanitized, tags.Tags);
    }

    private static string PlainParagraphs(string text)
    {
        var sb = new StringBuilder();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            sb.Append("<p>").Append(System.Net.WebUtility.HtmlEncode(paragraph).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }

        return sb.ToString();
    }

    private void LinkTags(IText text, Func<string, string, string?>? resolveMention, Dictionary<string, string?> cache, TagCollector tags)
    {
        var data = text.Data;
        if (data.IndexOf('#', StringComparison.Ordinal) < 0 && data.IndexOf('@', StringComparison.Ordinal) < 0)
        {
            return;
        }

        var matches = new List<(int Index, int Length, TextTag Tag, Func<IDocument, INode> Build)>();
        foreach (Match m in HashtagRegex().Matches(data))
        {
            var display = m.Groups["tag"].Value;
            if (!display.Any(char.IsLetter))
            {
                continue; // "#1", "#2027": numbers, not tags
            }

            var name = display.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
            var href = $"{_baseUrl}/tags/{Uri.EscapeDataString(name)}";
            matches.Add((m.Index, m.Length, new TextTag(TextTag.HashtagType, "#" + name, href), doc => BuildLink(doc, href, "mention hashtag", "tag", "#", display)));
        }

        if (resolveMention is not null)
        {
            foreach (Match m in MentionRegex().Matches(data))
            {
                var user = m.Groups["user"].Value;
                var host = m.Groups["host"].Value.ToLowerInvariant();
                var key = user + "@" + host;
                if (!cache.TryGetValue(key, out var actorId))
                {
                    actorId = resolveMention(user, host);
                    if (actorId is not null
                        && (HtmlSanitizer.SafeHref(actorId) is null
                            || !Uri.TryCreate(actorId, UriKind.Absolute, out var actorUri)
                            || actorUri.Scheme is not ("http" or "https")))
                    {
                        actorId = null; // only http(s) actor ids can be linked
                    }

                    cache[key] = actorId;
                }

                if (actorId is null)
                {
                    continue; // unresolved: stays plain text
                }

                if (matches.Any(x => m.Index < x.Index + x.Length && x.Index < m.Index + m.Length))
                {
                    continue;
                }

                var id = actorId;
                matches.Add((m.Index, m.Length, new TextTag(TextTag.MentionType, "@" + key, id), doc =>
                {
                    var card = doc.CreateElement("span");
                    card.SetAttribute("class", "h-card");
                    card.AppendChild(BuildLink(doc, id, "u-url mention", null, "@", user));
                    return card;
                }));
            }
        }

        if (matches.Count == 0)
        {
            return;
        }

        var document = text.Owner!;
        var fragment = document.CreateDocumentFragment(); // one replacement in the parent, not one insert per piece
        var position = 0;
        foreach (var (index, length, tag, build) in matches.OrderBy(x => x.Index))
        {
            tags.Add(tag);
            if (index > position)
            {
                fragment.AppendChild(document.CreateTextNode(data[position..index]));
            }

            fragment.AppendChild(build(document));
            position = index + length;
        }

        if (position < data.Length)
        {
            fragment.AppendChild(document.CreateTextNode(data[position..]));
        }

        text.Parent!.ReplaceChild(fragment, text);
    }

    private static IElement BuildLink(IDocument doc, string href, string cssClass, string? rel, string prefix, string label)
    {
        var a = doc.CreateElement("a");
        a.SetAttribute("href", href);
        a.SetAttribute("class", cssClass);
        if (rel is not null)
        {
            a.SetAttribute("rel", rel);
        }

        a.AppendChild(doc.CreateTextNode(prefix));
        var span = doc.CreateElement("span");
        span.TextContent = label;
        a.AppendChild(span);
        return a;
    }

    private static void ReplaceImage(IElement img)
    {
        var doc = img.Owner!;
        var src = img.GetAttribute("src") ?? string.Empty;
        var alt = img.GetAttribute("alt");
        var label = string.IsNullOrWhiteSpace(alt) ? src : alt;
        INode replacement = doc.CreateTextNode(label);
        if (img.Closest("a") is null)
        {
            var a = doc.CreateElement("a");
            a.SetAttribute("href", src);
            a.AppendChild(replacement);
            replacement = a;
        }

        img.Parent!.ReplaceChild(replacement, img);
    }

    private sealed class TagCollector
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public List<TextTag> Tags { get; } = [];

        public void Add(TextTag tag)
        {
            var key = tag.Type == TextTag.MentionType ? "M " + tag.Href : "H " + tag.Name;
            if (_seen.Add(key))
            {
                Tags.Add(tag);
            }
        }
    }
}
