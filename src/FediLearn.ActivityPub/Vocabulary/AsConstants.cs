namespace FediLearn.ActivityPub.Vocabulary;

/// <summary>ActivityStreams 2.0 / ActivityPub constants used across the protocol layer.</summary>
public static class AsConstants
{
    public const string ActivityStreamsContext = "https://www.w3.org/ns/activitystreams";
    public const string SecurityContext = "https://w3id.org/security/v1";
    public const string PublicCollection = "https://www.w3.org/ns/activitystreams#Public";

    /// <summary>The media type Mastodon sends and expects (AP §3.2 also allows the ld+json form).</summary>
    public const string ActivityJsonMediaType = "application/activity+json";
    public const string LdJsonMediaType = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

    /// <summary>
    /// True for the special public collection in any of the three spellings found in the wild:
    /// the full IRI, the compacted <c>as:Public</c> and the bare <c>Public</c> (AS2 vocabulary §5.6; Mastodon TagManager).
    /// </summary>
    public static bool IsPublic(string? id) =>
        id is PublicCollection or "as:Public" or "Public";
}
