using System.Text;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Vocabulary;

/// <summary>
/// The longest id this server stores: 2,048 bytes of UTF-8. Ids of actors, activities and objects are kept in unique
/// B-tree indexes, and PostgreSQL refuses an index entry over ~2,700 bytes ("index row size exceeds btree version 4
/// maximum 2704", the error Mastodon met with long link URLs, mastodon/mastodon#18965). Without a limit, one long id
/// from a sender would make its insert fail on PostgreSQL and not on SQLite. 2,048 is the length URLs are commonly held
/// to; the ids real servers mint are a few dozen to a few hundred characters.
/// </summary>
public static class IriLength
{
    public const int MaxBytes = 2048;

    /// <summary>The properties whose values are ids this server may store, looked for in an activity and the objects it carries.</summary>
    private static readonly string[] IdProperties = ["id", "actor", "object", "target", "inReplyTo", "attributedTo", "origin"];

    /// <summary>Objects nested deeper than this (an Announce of a Create of a Note is 2) are not read for ids.</summary>
    private const int MaxDepth = 3;

    public static bool IsTooLong(string? iri) =>
        iri is not null && iri.Length > MaxBytes / 3 && (iri.Length > MaxBytes || Encoding.UTF8.GetByteCount(iri) > MaxBytes);

    /// <summary>
    /// The path of the first id in the activity that is too long to store (<c>"object.inReplyTo"</c>), or null. Reads the
    /// activity's own ids and those of the objects it embeds, as strings, <c>{"id": …}</c> objects or arrays of them.
    /// </summary>
    public static string? FindTooLong(JObject activity) => Find(activity, "", 0);

    private static string? Find(JObject obj, string path, int depth)
    {
        foreach (var name in IdProperties)
        {
            if (obj[name] is not { } token) continue;
            if (Check(token, path.Length == 0 ? name : path + "." + name, depth) is { } found) return found;
        }
        return null;
    }

    private static string? Check(JToken token, string path, int depth)
    {
        switch (token)
        {
            case JValue { Type: JTokenType.String } value:
                return IsTooLong((string?)value) ? path : null;
            case JObject nested when depth < MaxDepth:
                return Find(nested, path, depth + 1);
            case JArray array:
                foreach (var element in array)
                {
                    if (element is not JArray && Check(element, path, depth) is { } found) return found;
                }
                return null;
            default:
                return null;
        }
    }
}
