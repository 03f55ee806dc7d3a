using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Testing;

/// <summary>One fuzz case: what was done to which seed, and the bytes that result.</summary>
public sealed record Mutant(string Description, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// Deterministic mutations of real JSON documents for fuzz tests (issue 6 item 6): byte flips, truncation, invalid UTF-8,
/// type changes (string, array, object, number, null), deleted and duplicated keys, huge strings and deep nesting.
/// The same seed gives the same cases, so a failure names its seed and case number and can be replayed.
/// </summary>
public sealed class JsonMutator(int seed, IReadOnlyList<string> urls)
{
    private readonly Random _random = new(seed);

    /// <summary>Values a mutated field may take: every JSON type, edge numbers, odd strings and URLs the test controls.</summary>
    private JToken RandomValue(int depth = 0) => _random.Next(depth > 2 ? 12 : 16) switch
    {
        0 => JValue.CreateNull(),
        1 => new JValue(""),
        2 => new JValue(_random.Next(2) == 0),
        3 => new JValue(_random.Next(6) switch { 0 => 0L, 1 => -1L, 2 => long.MaxValue, 3 => long.MinValue, 4 => 42L, _ => _random.NextInt64() }),
        4 => new JValue(_random.Next(4) switch { 0 => double.Epsilon, 1 => -0.0, 2 => 1e308, _ => _random.NextDouble() }),
        5 => new JValue(urls[_random.Next(urls.Count)]),
        6 => new JValue(urls[_random.Next(urls.Count)] + "/" + new string('x', _random.Next(1, 40))),
        7 => new JValue(OddString()),
        8 => new JValue(new string('a', _random.Next(1_000, 200_000))),
        9 => new JValue("not a url"),
        10 => new JValue("<p onclick=x>hi</p><script>alert(1)</script>"),
        11 => new JValue(DateTime.UtcNow.AddYears(_random.Next(-3000, 3000) / 100).ToString("O")),
        12 => new JArray(Enumerable.Range(0, _random.Next(0, 4)).Select(_ => RandomValue(depth + 1))),
        13 => new JObject { ["id"] = RandomValue(depth + 1), ["type"] = RandomValue(depth + 1) },
        14 => new JObject(),
        _ => new JArray(),
    };

    private string OddString() => _random.Next(6) switch
    {
        0 => "\u0000nul",
        1 => "\ud800 lone surrogate",
        2 => "\u202eevil rtl\u200b",
        3 => "😀 emoji " + new string('é', 10),
        4 => "'; DROP TABLE replies; --",
        _ => "\\u0000 \" \\ \n \t",
    };

    /// <summary>A mutant of the seed document: a tree mutation most of the time, a byte-level one otherwise.</summary>
    public Mutant Next(string seedName, string seedJson, bool allowByteLevel = true)
    {
        if (allowByteLevel && _random.Next(3) == 0) return ByteMutation(seedName, Encoding.UTF8.GetBytes(seedJson));
        var tree = JObject.Parse(seedJson);
        var steps = new List<string>();
        var count = _random.Next(1, 4);
        string? duplicate = null;
        for (var i = 0; i < count; i++) steps.Add(TreeMutation(tree, ref duplicate));
        var text = tree.ToString(Formatting.None);
        if (duplicate is not null) text = "{" + duplicate + "," + text[1..];
        return new Mutant($"{seedName}: {string.Join("; ", steps)}", Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A tree mutation that keeps the document valid JSON; duplicate keys are returned as text to prepend.</summary>
    public string TreeMutation(JObject root, ref string? duplicate)
    {
        var tokens = root.DescendantsAndSelf().ToList();
        var properties = tokens.OfType<JProperty>().ToList();
        switch (_random.Next(9))
        {
            case 0 when properties.Count > 0:
            {
                var p = properties[_random.Next(properties.Count)];
                p.Remove();
                return $"deleted {p.Path}";
            }
            case 1 when properties.Count > 0:
            {
                var p = properties[_random.Next(properties.Count)];
                var value = RandomValue();
                p.Value = value;
                return $"{p.Path} := {Describe(value)}";
            }
            case 2:
            {
                var rootProperties = root.Properties().ToList();
                if (rootProperties.Count == 0) goto default;
                var p = rootProperties[_random.Next(rootProperties.Count)];
                duplicate = JsonConvert.ToString(p.Name) + ":" + (_random.Next(2) == 0 ? p.Value.ToString(Formatting.None) : RandomValue().ToString(Formatting.None));
                return $"duplicated key {p.Name}";
            }
            case 3 when properties.Count > 0:
            {
                // Deep nesting inside an otherwise intact document.
                var p = properties[_random.Next(properties.Count)];
                var depth = _random.Next(2) == 0 ? _random.Next(20, 40) : _random.Next(100, 300);
                JToken nested = new JValue("bottom");
                for (var d = 0; d < depth; d++) nested = _random.Next(2) == 0 ? new JArray(nested) : new JObject { ["object"] = nested };
                p.Value = nested;
                return $"{p.Path} nested {depth} deep";
            }
            case 4:
            {
                // Wrap a value in an array, or unwrap an array to its first element.
                var p = properties.Count > 0 ? properties[_random.Next(properties.Count)] : null;
                if (p is null) goto default;
                p.Value = p.Value is JArray { Count: > 0 } a ? a[0] : new JArray(p.Value);
                return $"{p.Path} wrapped or unwrapped";
            }
            case 5:
            {
                var types = new[] { "Create", "Update", "Delete", "Announce", "Like", "Undo", "Follow", "Accept", "Reject", "Flag", "Join", "Leave", "TentativeAccept", "Block", "Move", "Question", "Note", "Person", "Tombstone" };
                var target = _random.Next(2) == 0 || root["object"] is not JObject ? root : (JObject)root["object"]!;
                target["type"] = _random.Next(5) == 0 ? new JArray(types[_random.Next(types.Length)], types[_random.Next(types.Length)]) : types[_random.Next(types.Length)];
                return $"{target.Path}.type := {target["type"]!.ToString(Formatting.None)}";
            }
            case 6 when properties.Count > 0:
            {
                var p = properties[_random.Next(properties.Count)];
                var other = properties[_random.Next(properties.Count)];
                if (ReferenceEquals(p, other) || other.Ancestors().Contains(p)) goto default;
                p.Value = other.Value.DeepClone();
                return $"{p.Path} := copy of {other.Path}";
            }
            case 7:
            {
                var name = new[] { "object", "inReplyTo", "to", "cc", "tag", "attachment", "content", "contentMap", "published", "attributedTo", "target", "oneOf", "anyOf", "endTime", "startTime", "context", "conversation", "id" }[_random.Next(18)];
                var target = _random.Next(2) == 0 || root["object"] is not JObject ? root : (JObject)root["object"]!;
                var value = RandomValue();
                target[name] = value;
                return $"{target.Path}.{name} := {Describe(value)}";
            }
            default:
            {
                var value = RandomValue();
                root["id"] = value;
                return $"id := {Describe(value)}";
            }
        }
    }

    /// <summary>Flips, truncates, inserts invalid UTF-8, or breaks the structure at the byte level.</summary>
    public Mutant ByteMutation(string seedName, byte[] seedBytes)
    {
        var bytes = seedBytes.ToList();
        string what;
        switch (_random.Next(7))
        {
            case 0:
                var flips = _random.Next(1, 5);
                for (var i = 0; i < flips; i++) bytes[_random.Next(bytes.Count)] ^= (byte)(1 << _random.Next(8));
                what = $"{flips} bit flips";
                break;
            case 1:
                var at = _random.Next(bytes.Count);
                bytes.RemoveRange(at, bytes.Count - at);
                what = $"truncated at {at}";
                break;
            case 2:
                byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x80]];
                var seq = invalid[_random.Next(invalid.Length)];
                bytes.InsertRange(InsideAString(bytes), seq);
                what = $"invalid UTF-8 {Convert.ToHexString(seq)}";
                break;
            case 3:
                var from = _random.Next(bytes.Count);
                var length = Math.Min(_random.Next(1, 40), bytes.Count - from);
                bytes.RemoveRange(from, length);
                what = $"{length} bytes cut at {from}";
                break;
            case 4:
                var junk = new[] { "]", "}", ",", ":", "\"", "{", "[", "\\", "NaN", "undefined", "//", "/*", "\u0000" }[_random.Next(13)];
                bytes.InsertRange(_random.Next(bytes.Count), Encoding.UTF8.GetBytes(junk));
                what = $"inserted {junk}";
                break;
            case 5:
                var depth = _random.Next(2) == 0 ? 100_000 : _random.Next(33, 200);
                bytes = [.. Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth))];
                what = $"{depth} brackets";
                break;
            default:
                var tail = new[] { "garbage", "{}", " []", "\u0000", "\r\n\r\n{\"type\":\"Delete\"}" }[_random.Next(5)];
                bytes.AddRange(Encoding.UTF8.GetBytes(tail));
                what = "trailing content";
                break;
        }
        return new Mutant($"{seedName}: {what}", [.. bytes]);
    }

    private int InsideAString(List<byte> bytes)
    {
        for (var tries = 0; tries < 20; tries++)
        {
            var i = _random.Next(bytes.Count);
            if (bytes[i] is >= (byte)'a' and <= (byte)'z') return i;
        }
        return _random.Next(bytes.Count);
    }

    private static string Describe(JToken value)
    {
        var text = value.ToString(Formatting.None);
        return text.Length > 60 ? $"{value.Type} of {text.Length} chars" : text;
    }
}
