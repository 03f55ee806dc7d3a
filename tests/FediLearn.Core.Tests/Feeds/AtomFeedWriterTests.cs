using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using FediLearn.Core.Feeds;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>issue 3 item 5: GET /groups/{name}/feed.atom is valid RFC 4287 Atom with the right entries.</summary>
public sealed class AtomFeedWriterTests
{
    private static readonly XNamespace A = "http://www.w3.org/2005/Atom";

    private static readonly FeedEntry[] Entries =
    [
        new("https://learn.example/objects/3", "https://learn.example/@rust/3", "Traits <&> \"generics\" 'quoted'",
            "<p>Read <a href=\"https://doc.rust-lang.org/?a=1&b=2\">the book</a> &amp; reply</p>",
            new DateTimeOffset(2027, 3, 3, 10, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2027, 3, 4, 8, 0, 0, TimeSpan.Zero)),
        new("https://learn.example/objects/2", "https://learn.example/@rust/2", "Grüße 😀 ]]> end",
            "<p>Second</p>",
            new DateTimeOffset(2027, 3, 2, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 2, 10, 0, 0, TimeSpan.Zero)),
        new("https://learn.example/objects/1", "https://learn.example/@rust/1", "First\u0001 post",
            "<p>First</p>",
            new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero)),
    ];

    private static string Write(string? subtitle = "Learning Rust & friends") =>
        AtomFeedWriter.Write("https://learn.example/groups/rust/feed.atom", "https://learn.example/groups/rust/feed.atom?x=1&y=2",
            "https://learn.example/groups/rust", "Rust <circle>", subtitle, "Rust & co", Entries,
            new DateTimeOffset(2027, 3, 4, 9, 0, 0, TimeSpan.FromHours(1)));

    [Fact]
    public void Feed_parses_with_System_Xml_and_has_feed_metadata()
    {
        var xml = Write();
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", xml);
        var feed = XDocument.Parse(xml).Root!;
        Assert.Equal(A + "feed", feed.Name);
        Assert.Equal("https://learn.example/groups/rust/feed.atom", feed.Element(A + "id")!.Value);
        Assert.Equal("Rust <circle>", feed.Element(A + "title")!.Value);
        Assert.Equal("Learning Rust & friends", feed.Element(A + "subtitle")!.Value);
        Assert.Equal("2027-03-04T08:00:00Z", feed.Element(A + "updated")!.Value);
        Assert.Equal("Rust & co", feed.Element(A + "author")!.Element(A + "name")!.Value);

        var links = feed.Elements(A + "link").ToDictionary(l => (string)l.Attribute("rel")!, l => (string)l.Attribute("href")!);
        Assert.Equal("https://learn.example/groups/rust/feed.atom?x=1&y=2", links["self"]);
        Assert.Equal("https://learn.example/groups/rust", links["alternate"]);
        Assert.Contains("href=\"https://learn.example/groups/rust/feed.atom?x=1&amp;y=2\"", xml);
    }

    [Fact]
    public void Entries_come_in_order_with_escaped_titles_and_html_content()
    {
        var xml = Write();
        var entries = XDocument.Parse(xml).Root!.Elements(A + "entry").ToList();
        Assert.Equal(["https://learn.example/objects/3", "https://learn.example/objects/2", "https://learn.example/objects/1"],
            entries.Select(e => e.Element(A + "id")!.Value));
        Assert.Equal(["Traits <&> \"generics\" 'quoted'", "Grüße 😀 ]]> end", "First post"],
            entries.Select(e => e.Element(A + "title")!.Value));

        var first = entries[0];
        Assert.Equal("https://learn.example/@rust/3", (string)first.Element(A + "link")!.Attribute("href")!);
        Assert.Equal("alternate", (string)first.Element(A + "link")!.Attribute("rel")!);
        Assert.Equal("2027-03-03T09:00:00Z", first.Element(A + "published")!.Value);
        Assert.Equal("2027-03-04T08:00:00Z", first.Element(A + "updated")!.Value);
        var content = first.Element(A + "content")!;
        Assert.Equal("html", (string)content.Attribute("type")!);
        Assert.Equal(Entries[0].HtmlContent, content.Value); // HTML travels as escaped text, not as XML children
        Assert.Empty(content.Elements());
        Assert.Contains("&lt;p&gt;Read &lt;a href=", xml);
        Assert.Contains("Traits &lt;&amp;&gt;", xml);
    }

    [Fact]
    public void Subtitle_is_omitted_when_absent_and_output_has_no_BOM()
    {
        var xml = Write(subtitle: null);
        Assert.Null(XDocument.Parse(xml).Root!.Element(A + "subtitle"));
        Assert.NotEqual('\uFEFF', xml[0]);
    }

    [Fact]
    public void Debian_python3_xml_etree_reads_the_same_structure()
    {
        DebianPython.RequireModule("xml.etree.ElementTree");
        const string script = """
            import json, sys
            import xml.etree.ElementTree as ET
            ns = {'a': 'http://www.w3.org/2005/Atom'}
            root = ET.parse(sys.argv[1]).getroot()
            print(json.dumps({
                'root': root.tag,
                'title': root.find('a:title', ns).text,
                'self': [l.get('href') for l in root.findall('a:link', ns) if l.get('rel') == 'self'],
                'entries': [[e.find('a:id', ns).text, e.find('a:title', ns).text, e.find('a:content', ns).get('type'),
                             e.find('a:content', ns).text] for e in root.findall('a:entry', ns)],
            }, ensure_ascii=True))
            """;
        var path = Path.Combine(Path.GetTempPath(), $"fedilearn-{Guid.NewGuid():N}.atom");
        try
        {
            File.WriteAllText(path, Write(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            var (exit, stdout, stderr) = DebianPython.Run(script, path);
            Assert.True(exit == 0, stderr);
            var root = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal("{http://www.w3.org/2005/Atom}feed", root.GetProperty("root").GetString());
            Assert.Equal("Rust <circle>", root.GetProperty("title").GetString());
            Assert.Equal("https://learn.example/groups/rust/feed.atom?x=1&y=2", root.GetProperty("self")[0].GetString());
            var entries = root.GetProperty("entries").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetString() ?? "").ToArray()).ToList();
            Assert.Equal(3, entries.Count);
            Assert.Equal(new[] { "https://learn.example/objects/3", "Traits <&> \"generics\" 'quoted'", "html", Entries[0].HtmlContent }, entries[0]);
            Assert.Equal("Grüße 😀 ]]> end", entries[1][1]);
            Assert.Equal("https://learn.example/objects/1", entries[2][0]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
