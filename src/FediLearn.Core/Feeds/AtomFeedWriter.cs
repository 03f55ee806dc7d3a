using System.Globalization;
using System.Text;
using System.Xml;

namespace FediLearn.Core.Feeds;

/// <summary>One entry of a group's Atom feed. <see cref="HtmlContent"/> is (already sanitized) HTML, written escaped as content type="html".</summary>
public sealed record FeedEntry(string Id, string Url, string Title, string HtmlContent, DateTimeOffset Published, DateTimeOffset Updated);

/// <summary>Writes RFC 4287 Atom feeds (GET /groups/{name}/feed.atom).</summary>
public static class AtomFeedWriter
{
    public const string AtomNamespace = "http://www.w3.org/2005/Atom";

    /// <summary>
    /// RFC 4287 Atom feed: id, title, subtitle (if any), updated, author/name, link rel="self" (<paramref name="feedUrl"/>,
    /// application/atom+xml) and rel="alternate" (<paramref name="htmlUrl"/>, text/html), generator; then the entries in
    /// the order given (callers pass newest first), each with id, title, link rel="alternate", published, updated and
    /// content type="html". Dates are RFC 3339 in UTC. Written with <see cref="XmlWriter"/> (all escaping done there;
    /// characters XML 1.0 cannot carry are dropped), UTF-8, with an XML declaration.
    /// </summary>
    public static string Write(string feedId, string feedUrl, string htmlUrl, string title, string? subtitle, string authorName,
        IEnumerable<FeedEntry> entries, DateTimeOffset updated)
    {
        ArgumentNullException.ThrowIfNull(entries);

        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            OmitXmlDeclaration = false,
        };
        using var stream = new MemoryStream();
        using (var w = XmlWriter.Create(stream, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("feed", AtomNamespace);
            w.WriteElementString("id", AtomNamespace, Clean(feedId));
            WriteText(w, "title", title);
            if (!string.IsNullOrWhiteSpace(subtitle)) WriteText(w, "subtitle", subtitle);
            w.WriteElementString("updated", AtomNamespace, Rfc3339(updated));
            w.WriteStartElement("author", AtomNamespace);
            w.WriteElementString("name", AtomNamespace, Clean(authorName));
            w.WriteEndElement();
            WriteLink(w, "self", "application/atom+xml", feedUrl);
            WriteLink(w, "alternate", "text/html", htmlUrl);
            w.WriteElementString("generator", AtomNamespace, "FediLearn");

            foreach (var e in entries)
            {
                ArgumentNullException.ThrowIfNull(e, nameof(entries));
                w.WriteStartElement("entry", AtomNamespace);
                w.WriteElementString("id", AtomNamespace, Clean(e.Id));
                WriteText(w, "title", e.Title);
                WriteLink(w, "alternate", "text/html", e.Url);
                w.WriteElementString("published", AtomNamespace, Rfc3339(e.Published));
                w.WriteElementString("updated", AtomNamespace, Rfc3339(e.Updated));
                w.WriteStartElement("content", AtomNamespace);
                w.WriteAttributeString("type", "html");
                w.WriteString(Clean(e.HtmlContent));
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteText(XmlWriter w, string name, string? value)
    {
        w.WriteStartElement(name, AtomNamespace);
        w.WriteAttributeString("type", "text");
        w.WriteString(Clean(value));
        w.WriteEndElement();
    }

    private static void WriteLink(XmlWriter w, string rel, string type, string href)
    {
        w.WriteStartElement("link", AtomNamespace);
        w.WriteAttributeString("rel", rel);
        w.WriteAttributeString("type", type);
        w.WriteAttributeString("href", Clean(href));
        w.WriteEndElement();
    }

    /// <summary>RFC 3339 date-time in UTC, e.g. 2027-03-15T15:30:00Z.</summary>
    internal static string Rfc3339(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Drops characters XML 1.0 cannot carry (most C0 controls, unpaired surrogates, U+FFFE/U+FFFF).</summary>
    private static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        StringBuilder? sb = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                sb?.Append(c).Append(value[i + 1]);
                i++;
            }
            else if (XmlConvert.IsXmlChar(c)) sb?.Append(c);
            else sb ??= new StringBuilder(value, 0, i, value.Length);
        }
        return sb?.ToString() ?? value;
    }
}
