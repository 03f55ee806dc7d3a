using System.Globalization;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>An RFC 8941 token (§3.3.4), kept apart from strings because the two serialize differently.</summary>
internal sealed record SfToken(string Value);

/// <summary>An RFC 8941 item: a bare item (long, decimal, string, SfToken, byte[], bool) and its parameters.</summary>
internal sealed record SfItem(object Value, IReadOnlyList<KeyValuePair<string, object>> Parameters);

/// <summary>An RFC 8941 inner list (§3.1.1): the shape of a Signature-Input member.</summary>
internal sealed record SfInnerList(IReadOnlyList<SfItem> Items, IReadOnlyList<KeyValuePair<string, object>> Parameters);

/// <summary>
/// A dictionary member. <see cref="Raw"/> is the member value exactly as received: RFC 9421 §2.3 signs
/// "@signature-params" as serialized by the signer, so the verifier reuses those bytes instead of
/// re-serializing (signatures.md §2.3).
/// </summary>
internal sealed record SfMember(string Key, object Value, string Raw);

/// <summary>
/// The subset of RFC 8941 §4.2 parsing that Signature-Input, Signature (RFC 9421 §4) and
/// Content-Digest (RFC 9530 §2) need: dictionaries of items and inner lists. Throws FormatException.
/// </summary>
internal sealed class StructuredFields
{
    private readonly string _input;
    private int _pos;

    private StructuredFields(string input) => _input = input;

    public static IReadOnlyList<SfMember> ParseDictionary(string input)
    {
        var parser = new StructuredFields(input);
        return parser.Dictionary();
    }

    public static object? Parameter(IReadOnlyList<KeyValuePair<string, object>> parameters, string key)
    {
        foreach (var (k, v) in parameters)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    private bool AtEnd => _pos >= _input.Length;

    private char Current => _input[_pos];

    private List<SfMember> Dictionary()
    {
        var members = new List<SfMember>();
        SkipSpaces();
        while (!AtEnd)
        {
            var key = Key();
            var start = _pos;
            object value;
            if (!AtEnd && Current == '=')
            {
                _pos++;
                start = _pos;
                value = Current == '(' ? InnerList() : Item();
            }
            else
            {
                value = new SfItem(true, Parameters());
            }

            var member = new SfMember(key, value, _input[start.._pos]);
            // §4.2.2: a repeated key overwrites the earlier value.
            var existing = members.FindIndex(m => m.Key == key);
            if (existing >= 0)
            {
                members[existing] = member;
            }
            else
            {
                members.Add(member);
            }

            SkipOws();
            if (AtEnd)
            {
                break;
            }

            Expect(',');
            SkipOws();
            if (AtEnd)
            {
                throw Error("trailing comma");
            }
        }

        return members;
    }

    private SfInnerList InnerList()
    {
        Expect('(');
        var items = new List<SfItem>();
        while (true)
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw Error("unterminated inner list");
            }

            if (Current == ')')
            {
                _pos++;
                return new SfInnerList(items, Parameters());
            }

            items.Add(Item());
            if (AtEnd || (Current != ' ' && Current != ')'))
            {
                throw Error("inner list items must be separated by spaces");
            }
        }
    }

    private SfItem Item()
    {
        var value = BareItem();
        return new SfItem(value, Parameters());
    }

    private List<KeyValuePair<string, object>> Parameters()
    {
        var parameters = new List<KeyValuePair<string, object>>();
        while (!AtEnd && Current == ';')
        {
            _pos++;
            SkipSpaces();
            var key = Key();
            object value = true;
            if (!AtEnd && Current == '=')
            {
                _pos++;
                value = BareItem();
            }

            parameters.RemoveAll(p => p.Key == key);
            parameters.Add(new(key, value));
        }

        return parameters;
    }

    private object BareItem()
    {
        if (AtEnd)
        {
            throw Error("missing value");
        }

        var c = Current;
        return c switch
        {
            '-' or (>= '0' and <= '9') => Number(),
            '"' => QuotedString(),
            ':' => ByteSequence(),
            '?' => Boolean(),
            '*' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') => Token(),
            _ => throw Error($"unexpected character '{c}'"),
        };
    }

    private object Number()
    {
        var start = _pos;
        if (Current == '-')
        {
            _pos++;
        }

        while (!AtEnd && (char.IsAsciiDigit(Current) || Current == '.'))
        {
            _pos++;
        }

        var text = _input[start.._pos];
        var digits = text.TrimStart('-');
        if (digits.Length == 0 || !char.IsAsciiDigit(digits[0]))
        {
            throw Error("invalid number");
        }

        if (!text.Contains('.'))
        {
            if (digits.Length > 15)
            {
                throw Error("integer too long");
            }

            return long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var parts = digits.Split('.');
        if (parts.Length != 2 || parts[0].Length > 12 || parts[1].Length is 0 or > 3)
        {
            throw Error("invalid decimal");
        }

        return decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
    }

    private string QuotedString()
    {
        Expect('"');
        var value = new System.Text.StringBuilder();
        while (!AtEnd)
        {
            var c = Current;
            _pos++;
            if (c == '"')
            {
                return value.ToString();
            }

            if (c == '\\')
            {
                if (AtEnd || (Current != '"' && Current != '\\'))
                {
                    throw Error("invalid escape in string");
                }

                value.Append(Current);
                _pos++;
            }
            else if (c < 0x20 || c > 0x7e)
            {
                throw Error("invalid character in string");
            }
            else
            {
                value.Append(c);
            }
        }

        throw Error("unterminated string");
    }

    private byte[] ByteSequence()
    {
        Expect(':');
        var end = _input.IndexOf(':', _pos);
        if (end < 0)
        {
            throw Error("unterminated byte sequence");
        }

        var text = _input[_pos..end];
        _pos = end + 1;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                throw Error("invalid base64 in byte sequence");
            }
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Error("invalid base64 in byte sequence");
        }
    }

    private bool Boolean()
    {
        Expect('?');
        if (!AtEnd && Current is '0' or '1')
        {
            return _input[_pos++] == '1';
        }

        throw Error("invalid boolean");
    }

    private SfToken Token()
    {
        var start = _pos;
        _pos++;
        while (!AtEnd && IsTokenChar(Current))
        {
            _pos++;
        }

        return new SfToken(_input[start.._pos]);
    }

    private string Key()
    {
        if (AtEnd || !(Current == '*' || Current is >= 'a' and <= 'z'))
        {
            throw Error("keys must start with a lowercase letter or '*'");
        }

        var start = _pos;
        _pos++;
        while (!AtEnd && (Current is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or '.' or '*'))
        {
            _pos++;
        }

        return _input[start.._pos];
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~:/".Contains(c);

    private void Expect(char c)
    {
        if (AtEnd || Current != c)
        {
            throw Error($"expected '{c}'");
        }

        _pos++;
    }

    private void SkipSpaces()
    {
        while (!AtEnd && Current == ' ')
        {
            _pos++;
        }
    }

    private void SkipOws()
    {
        while (!AtEnd && Current is ' ' or '\t')
        {
            _pos++;
        }
    }

    private FormatException Error(string what) =>
        new($"Not a valid RFC 8941 structured field ({what} at position {_pos}).");
}
