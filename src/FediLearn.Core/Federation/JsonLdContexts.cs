using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>
/// The @context arrays we publish (federation.md item 5). Only widely preloaded context URLs are used
/// (Fedify cannot fetch others); every extension term is mapped inline.
/// </summary>
public static class JsonLdContexts
{
    public const string ActivityStreams = "https://www.w3.org/ns/activitystreams";
    public const string Security = "https://w3id.org/security/v1";
    public const string Multikey = "https://w3id.org/security/multikey/v1";

    public static JArray Actor() => new(
        ActivityStreams,
        Security,
        Multikey,
        new JObject
        {
            ["toot"] = "http://joinmastodon.org/ns#",
            ["discoverable"] = "toot:discoverable",
            ["featured"] = new JObject { ["@id"] = "toot:featured", ["@type"] = "@id" },
            ["manuallyApprovesFollowers"] = "as:manuallyApprovesFollowers",
        });

    public static JToken Activity() => new JValue(ActivityStreams);
}
