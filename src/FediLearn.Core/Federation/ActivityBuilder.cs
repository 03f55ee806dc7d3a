using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>The follow-flow activities (federation.md items 8-9). Ids are assigned by DeliveryQueue.CreateActivity.</summary>
public static class ActivityBuilder
{
    /// <summary>Accept embedding the received Follow unchanged, which satisfies both of Mastodon's lookup paths.</summary>
    public static JObject Accept(string actorId, string followerId, JObject receivedFollow) =>
        Respond("Accept", actorId, followerId, receivedFollow);

    /// <summary>Reject of a pending or accepted follow: Mastodon unfollows on it (reference/federation.md §1.4).</summary>
    public static JObject Reject(string actorId, string followerId, JObject receivedFollow) =>
        Respond("Reject", actorId, followerId, receivedFollow);

    public static JObject Follow(string actorId, string objectId) => new()
    {
        ["@context"] = JsonLdContexts.Activity(),
        ["type"] = "Follow",
        ["actor"] = actorId,
        ["object"] = objectId,
        ["to"] = new JArray(objectId),
    };

    public static JObject Undo(string actorId, string to, JObject inner)
    {
        var embedded = (JObject)inner.DeepClone();
        embedded.Remove("@context");
        return new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["type"] = "Undo",
            ["actor"] = actorId,
            ["object"] = embedded,
            ["to"] = new JArray(to),
        };
    }

    private static JObject Respond(string type, string actorId, string followerId, JObject receivedFollow) => new()
    {
        ["@context"] = JsonLdContexts.Activity(),
        ["type"] = type,
        ["actor"] = actorId,
        ["to"] = new JArray(followerId),
        ["object"] = receivedFollow.DeepClone(),
    };
}
