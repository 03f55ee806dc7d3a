namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Parses the draft-cavage-12 §4.1 parameter list: <c>name="quoted"</c> or <c>name=token</c>, comma
/// separated with optional whitespace. A stray leading "Signature " is tolerated, as Mastodon does for
/// old node-http-signature/PeerTube senders (signatures.md §1.1; mastodon PR #14556).
/// </summary>
internal static class CavageSignatureHeader
{
    public static Dictionary<string, string>? Parse(string header)
    {
        var text = header.Trim();
        if (text.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase))
        {
            text = text["Signature ".Length..];
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pos = 0;
        while (true)
        {
            SkipWhitespace(text, ref pos);
            if (pos >= text.Length)
            {
                return result.Count > 0 ? result : null;
            }

            var eq = text.IndexOf('=', pos);
            if (eq <= pos)
            {
                return null;
            }

            var name = text[pos..eq].Trim();
            if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c is ',' or '"'))
            {
                return null;
            }

            pos = eq + 1;
            SkipWhitespace(text, ref pos);
            string? value = pos < text.Length && text[pos] == '"'
                ? ReadQuoted(text, ref pos)
                : ReadToken(text, ref pos);
            if (value is null)
            {
                return null;
            }

            // draft-cavage §2.2: a repeated parameter makes the header invalid.
            if (!result.TryAdd(name, value))
            {
                return null;
            }

            SkipWhitespace(text, ref pos);
            if (pos >= text.Length)
            {
                return result;
            }

            if (text[pos] != ',')
            {
                return null;
            }

            pos++;
        }
    }

    private static string? ReadQuoted(string text, ref int pos)
    {
        var value = new System.Text.StringBuilder();
        pos++;
        while (pos < text.Length)
        {
            var c = text[pos++];
            if (c == '"')
            {
                return value.ToString();
            }

            if (c == '\\')
            {
                if (pos >= text.Length)
                {
                    return null;
                }

                c = text[pos++];
            }

            value.Append(c);
        }

        return null;
    }

    private static string? ReadToken(string text, ref int pos)
    {
        var start = pos;
        while (pos < text.Length && text[pos] != ',' && !char.IsWhiteSpace(text[pos]) && text[pos] != '"')
        {
            pos++;
        }

        return pos > start ? text[start..pos] : null;
    }

    private static void SkipWhitespace(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos]))
        {
            pos++;
        }
    }
}
