using FediLearn.ActivityPub.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Vocabulary;

/// <summary>
/// Tolerant reader of a remote actor document, accepting the shapes Mastodon, Lemmy, Mobilizon, Fedify and GoToSocial
/// serve (reference/federation.md §1.2). It checks the document's shape only; whether the document may be trusted
/// (fetched from its own id, key owner = actor) is the caller's job.
/// </summary>
public sealed record ActorDocument(
    string Id,
    string Type,
    string? PreferredUsername,
    string? Name,
    string? Summary,
    string Inbox,
    string? SharedInbox,
    string? Outbox,
    string? Followers,
    string? Url,
    bool ManuallyApprovesFollowers,
    IReadOnlyList<ActorPublicKey> PublicKeys,
    IReadOnlyList<ActorMultikey> AssertionMethods)
{
    /// <summary>The actor types Mastodon accepts (<c>ActivityPub::FetchRemoteActorService::SUPPORTED_TYPES</c>).</summary>
    public static readonly IReadOnlyList<string> ActorTypes = ["Application", "Group", "Organization", "Person", "Service"];

    /// <summary>Mastodon reads at most 10 keys; more is either a mistake or an attempt to make us work.</summary>
    public const int MaxKeys = 10;

    public static bool IsActorType(JObject json) => ActivityJson.GetTypes(json).Any(ActorTypes.Contains);

    public static ActorDocument Parse(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!HasActivityStreamsContext(json["@context"]))
            throw new ActivityJsonException("Actor @context does not include " + AsConstants.ActivityStreamsContext + ".");
        var id = HttpUri(ActivityJson.GetString(json, "id"))
            ?? throw new ActivityJsonException("Actor has no http(s) id.");
        var type = ActivityJson.GetTypes(json).FirstOrDefault(ActorTypes.Contains)
            ?? throw new ActivityJsonException($"{id} is not an actor type ({string.Join(", ", ActorTypes)}).");
        var inbox = HttpUri(ActivityJson.GetId(json["inbox"]))
            ?? throw new ActivityJsonException($"{id} has no inbox.");

        var endpoints = json["endpoints"] as JObject;
        var sharedInbox = HttpUri(ActivityJson.GetId(endpoints?["sharedInbox"]))
            ?? HttpUri(ActivityJson.GetId(json["sharedInbox"]));
        // Stored and indexed (the actor's id, its key's id) or copied to every follower row (the inboxes): IriLength.
        if (IriLength.IsTooLong(id) || IriLength.IsTooLong(inbox) || IriLength.IsTooLong(sharedInbox))
            throw new ActivityJsonException($"Actor has an id or inbox longer than {IriLength.MaxBytes} bytes.");

        return new ActorDocument(
            id,
            type,
            ActivityJson.GetString(json, "preferredUsername"),
            ActivityJson.GetString(json, "name"),
            ActivityJson.GetString(json, "summary"),
            inbox,
            sharedInbox,
            HttpUri(ActivityJson.GetId(json["outbox"])),
            HttpUri(ActivityJson.GetId(json["followers"])),
            ReadUrl(json["url"]),
            json["manuallyApprovesFollowers"] is JValue { Type: JTokenType.Boolean } locked && (bool)locked,
            ReadPublicKeys(json["publicKey"]),
            ReadMultikeys(json["assertionMethod"]));
    }

    private static bool HasActivityStreamsContext(JToken? context) => context switch
    {
        JValue { Type: JTokenType.String } s => (string?)s == AsConstants.ActivityStreamsContext,
        JArray a => a.Any(e => e is JValue { Type: JTokenType.String } s && (string?)s == AsConstants.ActivityStreamsContext),
        _ => false,
    };

    private static IReadOnlyList<ActorPublicKey> ReadPublicKeys(JToken? token)
    {
        var keys = new List<ActorPublicKey>();
        foreach (var entry in AsObjects(token).Take(MaxKeys))
        {
            var keyId = ActivityJson.GetString(entry, "id");
            var owner = ActivityJson.GetId(entry["owner"]);
            var pem = ActivityJson.GetString(entry, "publicKeyPem");
            if (!string.IsNullOrEmpty(keyId) && !IriLength.IsTooLong(keyId) && !string.IsNullOrEmpty(owner) && !string.IsNullOrWhiteSpace(pem))
                keys.Add(new ActorPublicKey(keyId, owner, pem));
        }
        return keys;
    }

    /// <summary>FEP-521a: <c>assertionMethod</c> entries of type Multikey; references and other key types are ignored.</summary>
    private static IReadOnlyList<ActorMultikey> ReadMultikeys(JToken? token)
    {
        var keys = new List<ActorMultikey>();
        foreach (var entry in AsObjects(token).Take(MaxKeys))
        {
            if (!ActivityJson.HasType(entry, "Multikey"))
                continue;
            var keyId = ActivityJson.GetString(entry, "id");
            var controller = ActivityJson.GetId(entry["controller"]);
            var multibase = ActivityJson.GetString(entry, "publicKeyMultibase");
            if (!string.IsNullOrEmpty(keyId) && !IriLength.IsTooLong(keyId) && !string.IsNullOrEmpty(controller) && !string.IsNullOrEmpty(multibase))
                keys.Add(new ActorMultikey(keyId, controller, multibase));
        }
        return keys;
    }

    private static IEnumerable<JObject> AsObjects(JToken? token) => token switch
    {
        JObject o => [o],
        JArray a => a.OfType<JObject>(),
        _ => [],
    };

    /// <summary><c>url</c> is a string, a Link object (<c>href</c>) or an array of those (Mobilizon, PeerTube); prefer text/html.</summary>
    private static string? ReadUrl(JToken? token)
    {
        IEnumerable<JToken> items = token is JArray a ? a : token is null ? [] : [token];
        var candidates = items
            .Select(t => t switch
            {
                JValue { Type: JTokenType.String } s => (Href: HttpUri((string?)s), MediaType: (string?)null),
                JObject o => (Href: HttpUri(ActivityJson.GetString(o, "href")), MediaType: ActivityJson.GetString(o, "mediaType")),
                _ => (Href: null, MediaType: null),
            })
            .Where(c => c.Href is not null)
            .ToList();
        return candidates.FirstOrDefault(c => c.MediaType == "text/html").Href ?? candidates.FirstOrDefault().Href;
    }

    private static string? HttpUri(string? value) =>
        value is not null && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? value
            : null;
}

/// <summary>A draft-cavage <c>publicKey</c> entry (<c>{id, owner, publicKeyPem}</c>).</summary>
public sealed record ActorPublicKey(string Id, string Owner, string PublicKeyPem);

/// <summary>A FEP-521a Multikey from <c>assertionMethod</c>.</summary>
public sealed record ActorMultikey(string Id, string Controller, string PublicKeyMultibase);
