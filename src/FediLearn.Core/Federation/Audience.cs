using FediLearn.ActivityPub.Vocabulary;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>
/// The addressing of what a members-only group sends (a private cohort, reference/federation.md "Private groups"):
/// its approved followers and no one else. Mastodon shows such a status as followers-only to the group's local
/// followers; nothing in it says Public, so no server spreads it further.
/// </summary>
public static class Audience
{
    private static readonly string[] Fields = ["to", "cc", "bto", "bcc", "audience"];

    /// <summary>
    /// Rewrites an activity of <paramref name="actorUri"/> in place: Public leaves every address field, the followers
    /// collection goes into <c>to</c>. An embedded activity or object of the same actor is rewritten too; an embedded
    /// activity of someone else (a relayed reply) is theirs and is left exactly as it came.
    /// </summary>
    public static void RestrictToFollowers(JObject document, string actorUri, string followersUri)
    {
        foreach (var field in Fields.Where(f => f != "audience"))
        {
            if (document[field] is not { } value) continue;
            var kept = Addresses(value).Where(a => !AsConstants.IsPublic(a)).ToList();
            if (kept.Count == 0) document.Remove(field);
            else document[field] = new JArray(kept);
        }
        var to = document["to"] is { } t ? Addresses(t).ToList() : [];
        if (!to.Contains(followersUri)) to.Insert(0, followersUri);
        document["to"] = new JArray(to);

        if (document["object"] is JObject inner && OwnedBy(inner, actorUri))
            RestrictToFollowers(inner, actorUri, followersUri);
    }

    /// <summary>True when the document says Public anywhere in its addressing.</summary>
    public static bool IsPublic(JObject document) =>
        Fields.Any(f => document[f] is { } value && Addresses(value).Any(AsConstants.IsPublic));

    private static bool OwnedBy(JObject inner, string actorUri) =>
        inner.Value<string>("actor") == actorUri || inner.Value<string>("attributedTo") == actorUri;

    private static IEnumerable<string> Addresses(JToken value) => value switch
    {
        JArray array => array.Select(v => v.Type == JTokenType.String ? (string?)v : v is JObject o ? o.Value<string>("id") : null).OfType<string>(),
        JValue { Type: JTokenType.String } single => [(string)single!],
        JObject o when o.Value<string>("id") is { } id => [id],
        _ => [],
    };
}
