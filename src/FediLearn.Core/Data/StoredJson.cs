using FediLearn.ActivityPub.Json;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Data;

/// <summary>
/// The small JSON arrays kept in text columns (a note's cc and inboxes, a prompt's choices, a material's links and
/// files, an item's tags, a report's objects), written and read with Newtonsoft's JSON tokens, not its reflection
/// serializer. The bytes are the ones <c>JsonConvert.SerializeObject</c> wrote before (StoredJsonTests compares them).
/// The serializer's first use builds its contract resolver, whose built-in converters test each type against
/// XmlNode, SqlBinary and the formatters' types: it loads System.Private.Xml, System.Runtime.Serialization.Formatters and
/// System.Diagnostics.TraceSource, ~10 MB of a node's resident memory, for lists of strings (docs/performance.md, "Memory").
/// </summary>
public static class StoredJson
{
    /// <summary><c>["a","b"]</c>; a null value is written as null.</summary>
    public static string Strings(IEnumerable<string?> values) => Write(values.Select(v => new JValue(v)));

    /// <summary>The strings of a stored array; empty for null, empty text or JSON null. Dates stay the text they were.</summary>
    public static IReadOnlyList<string> ReadStrings(string? json)
    {
        var array = ReadArray(json);
        var values = new string[array.Count];
        for (var i = 0; i < values.Length; i++) values[i] = array[i].Type == JTokenType.Null ? null! : (string)array[i]!;
        return values;
    }

    /// <summary>A stored array of objects or values, read without turning any text into a date (empty if not an array).</summary>
    public static JArray ReadArray(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None };
        return JToken.ReadFrom(reader) as JArray ?? [];
    }

    /// <summary>An item's mentions and hashtags as <c>[{"type":…,"name":…,"href":…}]</c>, the shape of an ActivityStreams tag.</summary>
    public static string Tags(IEnumerable<TextTag> tags) =>
        Write(tags.Select(t => new JObject { ["type"] = t.Type, ["name"] = t.Name, ["href"] = t.Href }));

    /// <summary>A material's links as <c>[{"Url":…,"Title":…}]</c> (the record's property names, as stored since the start).</summary>
    public static string Links(IEnumerable<MaterialLink> links) =>
        Write(links.Select(l => new JObject { ["Url"] = l.Url, ["Title"] = l.Title }));

    /// <summary>The links of a stored array; property names match in any case, as the serializer matched them.</summary>
    public static IReadOnlyList<MaterialLink> ReadLinks(string? json)
    {
        var links = new List<MaterialLink>();
        foreach (var token in ReadArray(json))
        {
            if (token is not JObject link) continue;
            links.Add(new MaterialLink(
                ((string?)link.GetValue("Url", StringComparison.OrdinalIgnoreCase))!,
                (string?)link.GetValue("Title", StringComparison.OrdinalIgnoreCase)));
        }
        return links;
    }

    private static string Write(IEnumerable<JToken> items) => ActivityJson.Serialize(new JArray(items));
}
