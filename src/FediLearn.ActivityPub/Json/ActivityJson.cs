using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Json;

/// <summary>
/// Strict parsing and tolerant reading of ActivityStreams JSON (security.md principle 4, case 29).
/// Dates are never parsed (<see cref="DateParseHandling.None"/>): a <c>published</c> string must round-trip byte for
/// byte, or signatures and integrity proofs over it break.
/// </summary>
public static class ActivityJson
{
    /// <summary>Deeper than any real activity (Announce{Create{Note{tag[{icon}]}}} is ~6); bounds work and recursion.</summary>
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonLoadSettings LoadSettings = new()
    {
        CommentHandling = CommentHandling.Ignore,
        LineInfoHandling = LineInfoHandling.Ignore,
        // Two "id"s or two "actor"s in one object would let two parsers (ours, the signer's) see different documents.
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
    };

    /// <summary>
    /// Parses one JSON object. A NUL character is never handed on (PostgreSQL takes none in <c>text</c>, error 22021,
    /// so an id, a name or a look-up with one failed there): an escaped one (<c>\u0000</c>, legal in a JSON string)
    /// becomes U+FFFD in the values, as the HTML parser makes it; an unescaped one is malformed JSON (RFC 8259 allows
    /// control characters in a string only as escapes), which Json.NET would take into a string or skip.
    /// </summary>
    public static JObject Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Contains('\0'))
            throw new ActivityJsonException("Malformed JSON: an unescaped NUL character (JSON allows it only as the escape \\u0000).");
        using var reader = new JsonTextReader(new StringReader(json))
        {
            MaxDepth = MaxDepth,
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            ArrayPool = PooledChars.Instance,
            PropertyNameTable = KnownPropertyNames.Instance,
        };
        try
        {
            // JToken.ReadFrom builds the tree iteratively; the reader stops at MaxDepth, so 100k '[' cannot overflow the stack.
            var token = JToken.ReadFrom(reader, LoadSettings);
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                    throw new ActivityJsonException("Unexpected content after the JSON document.");
            }
            var document = token as JObject ?? throw new ActivityJsonException($"Expected a JSON object, got {token.Type}.");
            // "\u0000" is the only spelling of an escaped NUL ('0' has no case); a document without it needs no walk.
            if (json.Contains("\\u0000", StringComparison.Ordinal)) ReplaceNul(document);
            return document;
        }
        catch (JsonException ex)
        {
            throw new ActivityJsonException("Malformed JSON: " + ex.Message, ex);
        }
    }

    public static JObject Parse(byte[] utf8) => Parse(DecodeUtf8(utf8));

    /// <summary>U+FFFD for every NUL in the document's string values (property names are left as they are: none is stored).</summary>
    private static void ReplaceNul(JToken root)
    {
        var pending = new Stack<JToken>();
        pending.Push(root);
        while (pending.TryPop(out var token))
        {
            if (token is JValue { Type: JTokenType.String, Value: string text } value)
            {
                if (text.Contains('\0')) value.Value = text.Replace('\0', '\uFFFD');
            }
            else if (token is JContainer container)
            {
                foreach (var child in container.Children()) pending.Push(child);
            }
        }
    }

    /// <summary>A body's text: strict UTF-8, a leading byte order mark left out.</summary>
    public static string DecodeUtf8(byte[] utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ReadOnlySpan<byte> bytes = utf8;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            bytes = bytes[3..];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ActivityJsonException("Body is not valid UTF-8.", ex);
        }
    }

    /// <summary>The id of a reference: a string, or an object with a string <c>id</c>. Anything else is null.</summary>
    public static string? GetId(JToken? token) => token switch
    {
        JValue { Type: JTokenType.String } v => NonEmpty((string?)v.Value),
        JObject o => o["id"] is JValue { Type: JTokenType.String } id ? NonEmpty((string?)id.Value) : null,
        _ => null,
    };

    /// <summary>Ids from a string, an object, or an array of those; junk entries (numbers, nested arrays, id-less objects) are skipped.</summary>
    public static IReadOnlyList<string> GetIds(JToken? token)
    {
        if (token is JArray array)
        {
            var ids = new List<string>(array.Count);
            foreach (var item in array)
            {
                if (item is not JArray && GetId(item) is { } id)
                    ids.Add(id);
            }
            return ids;
        }
        return GetId(token) is { } single ? [single] : [];
    }

    /// <summary>The <c>type</c> as a list: a string, or the strings of an array.</summary>
    public static IReadOnlyList<string> GetTypes(JObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj["type"] switch
        {
            JValue { Type: JTokenType.String } v => NonEmpty((string?)v.Value) is { } t ? [t] : [],
            JArray a => a.OfType<JValue>().Where(v => v.Type == JTokenType.String)
                .Select(v => (string?)v.Value).OfType<string>().Where(s => s.Length > 0).ToList(),
            _ => [],
        };
    }

    /// <summary>The property only when it is a JSON string: numbers, booleans and objects are not coerced.</summary>
    public static string? GetString(JObject obj, string property)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj[property] is JValue { Type: JTokenType.String } v ? (string?)v.Value : null;
    }

    public static bool HasType(JObject obj, string type) =>
        GetTypes(obj).Contains(type, StringComparer.Ordinal);

    /// <summary>Compact JSON. Values are written as they were read (date strings stay untouched strings).</summary>
    public static string Serialize(JToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var builder = ThreadStringBuilder.Acquire();
        using (var writer = new JsonTextWriter(new StringWriter(builder, CultureInfo.InvariantCulture)) { Formatting = Formatting.None, ArrayPool = PooledChars.Instance })
            token.WriteTo(writer);
        return ThreadStringBuilder.Release(builder);
    }

    /// <summary>
    /// Newtonsoft's reader and writer take their character buffers from the shared pool instead of allocating them for
    /// every document (its <see cref="IArrayPool{T}"/> hook); both give them back when disposed.
    /// </summary>
    private sealed class PooledChars : IArrayPool<char>
    {
        public static readonly PooledChars Instance = new();

        public char[] Rent(int minimumLength) => ArrayPool<char>.Shared.Rent(minimumLength);

        public void Return(char[]? array)
        {
            if (array is not null) ArrayPool<char>.Shared.Return(array);
        }
    }

    /// <summary>
    /// The property names nearly every activity repeats, handed out as one shared string each rather than a new one per
    /// occurrence. Read-only, so it is safe across threads and cannot grow with what senders invent: a name not here is
    /// allocated as before.
    /// </summary>
    private sealed class KnownPropertyNames : JsonNameTable
    {
        public static readonly KnownPropertyNames Instance = new();

        private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
        {
            "@context", "@language", "@id", "@type", "id", "type", "actor", "object", "target", "origin", "to", "cc", "bto", "bcc",
            "audience", "published", "updated", "content", "contentMap", "summary", "name", "url", "href", "mediaType", "tag",
            "attachment", "inReplyTo", "attributedTo", "replies", "first", "next", "partOf", "items", "orderedItems",
            "totalItems", "sensitive", "conversation", "atomUri", "inReplyToAtomUri", "likes", "shares", "icon", "image",
            "width", "height", "blurhash", "focalPoint", "startTime", "endTime", "location", "signature", "creator",
            "created", "signatureValue", "proof", "cryptosuite", "proofPurpose", "proofValue", "verificationMethod",
            "sharedInbox", "endpoints", "preferredUsername", "publicKey", "publicKeyPem", "owner", "inbox", "outbox",
            "followers", "following", "source", "quoteUrl", "schema", "toot", "as", "ostatus", "xsd", "value",
            "votersCount", "oneOf", "anyOf", "closed", "uri",
        };

        private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();

        public override string? Get(char[] key, int start, int length) =>
            Lookup.TryGetValue(key.AsSpan(start, length), out var name) ? name : null;
    }

    /// <summary>
    /// <c>application/activity+json</c>, or <c>application/ld+json</c> whose <c>profile</c> lists the AS2 context
    /// (Mastodon <c>valid_activitypub_content_type?</c>, the CVE-2024-25623 fix). Parameters such as charset are allowed.
    /// </summary>
    public static bool IsActivityPubContentType(string? mediaType)
    {
        if (string.IsNullOrWhiteSpace(mediaType) || !MediaTypeHeaderValue.TryParse(mediaType, out var parsed))
            return false;
        if (string.Equals(parsed.MediaType, "application/activity+json", StringComparison.OrdinalIgnoreCase))
            return true;
        if (!string.Equals(parsed.MediaType, "application/ld+json", StringComparison.OrdinalIgnoreCase))
            return false;
        foreach (var parameter in parsed.Parameters)
        {
            if (!string.Equals(parameter.Name, "profile", StringComparison.OrdinalIgnoreCase) || parameter.Value is null)
                continue;
            // The profile is a quoted, space-separated list of URIs (RFC 6839 / JSON-LD 1.1 §C).
            var profiles = parameter.Value.Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (profiles.Contains(AsConstants.ActivityStreamsContext, StringComparer.Ordinal))
                return true;
        }
        return false;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
