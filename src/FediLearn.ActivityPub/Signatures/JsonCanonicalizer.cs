using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme, the "JCS" of eddsa-jcs-2022 (FEP-8b32; signatures.md §3.2):
/// members sorted by UTF-16 code units, no whitespace, ECMAScript string escaping and number formatting.
/// </summary>
public static class JsonCanonicalizer
{
    /// <summary>
    /// Parses JSON keeping every value as written: Newtonsoft's defaults turn ISO strings into DateTime
    /// (which would change the bytes we hash), so dates stay strings and numbers become doubles (RFC 8785 §3.2.2.3).
    /// </summary>
    public static JToken Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var reader = new JsonTextReader(new StringReader(json))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = 64,
            };
            var token = JToken.ReadFrom(reader, new JsonLoadSettings { DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                {
                    throw new FormatException("Unexpected content after the JSON value.");
                }
            }

            return token;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Invalid JSON: {e.Message}", e);
        }
    }

    public static string Canonicalize(JToken token)
    {
        var builder = new StringBuilder();
        Write(builder, token);
        return builder.ToString();
    }

    public static byte[] CanonicalizeToUtf8(JToken token) => Encoding.UTF8.GetBytes(Canonicalize(token));

    private static void Write(StringBuilder builder, JToken token)
    {
        switch (token.Type)
        {
            case JTokenType.Object:
                builder.Append('{');
                var first = true;
                // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what ordinal comparison of .NET strings does.
                foreach (var property in ((JObject)token).Properties().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    WriteString(builder, property.Name);
                    builder.Append(':');
                    Write(builder, property.Value);
                }

                builder.Append('}');
                break;
            case JTokenType.Array:
                builder.Append('[');
                var index = 0;
                foreach (var item in (JArray)token)
                {
                    if (index++ > 0)
                    {
                        builder.Append(',');
                    }

                    Write(builder, item);
                }

                builder.Append(']');
                break;
            case JTokenType.String:
                WriteString(builder, (string)((JValue)token).Value!);
                break;
            case JTokenType.Integer:
                // Integers beyond long arrive as BigInteger; JCS treats every number as an IEEE double.
                var integer = ((JValue)token).Value;
                builder.Append(FormatNumber(integer is System.Numerics.BigInteger big ? (double)big : Convert.ToDouble(integer, CultureInfo.InvariantCulture)));
                break;
            case JTokenType.Float:
                builder.Append(FormatNumber(Convert.ToDouble(((JValue)token).Value, CultureInfo.InvariantCulture)));
                break;
            case JTokenType.Boolean:
                builder.Append((bool)((JValue)token).Value! ? "true" : "false");
                break;
            case JTokenType.Null:
                builder.Append("null");
                break;
            default:
                throw new FormatException(
                    $"Cannot canonicalize a {token.Type} token; parse with JsonCanonicalizer.Parse so values keep their JSON form.");
        }
    }

    /// <summary>RFC 8785 §3.2.2.2: JSON.stringify string escaping; lone surrogates are an error.</summary>
    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        builder.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        throw new FormatException("A string contains a lone surrogate, which JCS cannot canonicalize.");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    /// <summary>
    /// ECMAScript Number::toString (ECMA-262 §6.1.6.1.20), as RFC 8785 §3.2.2.3 requires. .NET's "R"
    /// gives the shortest round-tripping digits; only their layout differs.
    /// </summary>
    internal static string FormatNumber(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new FormatException("NaN and Infinity are not JSON numbers.");
        }

        if (value == 0)
        {
            return "0";
        }

        if (value < 0)
        {
            return "-" + FormatNumber(-value);
        }

        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = r.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? r : r[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(r[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        n -= leading;
        var k = digits.Length;

        if (k <= n && n <= 21)
        {
            return digits + new string('0', n - k);
        }

        if (0 < n && n <= 21)
        {
            return digits[..n] + "." + digits[n..];
        }

        if (-6 < n && n <= 0)
        {
            return "0." + new string('0', -n) + digits;
        }

        var e = n - 1;
        var sign = e < 0 ? "-" : "+";
        var head = k == 1 ? digits : digits[..1] + "." + digits[1..];
        return $"{head}e{sign}{Math.Abs(e).ToString(CultureInfo.InvariantCulture)}";
    }
}
