using System.Globalization;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Queues;

/// <summary>
/// The JSON of a stored outbound activity, as it is delivered and served. A row holds it whole, except a group's relay
/// of a reply it stores (FEP-1b12; <see cref="OutboundActivity.ReplyId"/> set): the reply is already in <c>replies</c>,
/// so that row keeps only the author's activity with the reply's id for its object, and the Announce around it is
/// rebuilt here, byte for byte what the whole row would have held (performance.md: storage per 10,000 relayed replies).
/// </summary>
public sealed class OutboundDocuments(ActorUrls urls)
{
    /// <summary>
    /// The group's Announce to its followers of an author's activity, embedded unchanged, or of an object id (a reply
    /// fetched as the parent of another). Mastodon dereferences the object's id, so it must be the author's own.
    /// </summary>
    public JObject Announce(LocalActor group, string authorUri, JToken activityOrId, DateTime published) => new()
    {
        ["@context"] = JsonLdContexts.ActivityStreams,
        ["type"] = "Announce",
        ["actor"] = urls.Actor(group),
        ["object"] = activityOrId,
        ["published"] = published.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["to"] = new JArray(AsConstants.PublicCollection),
        ["cc"] = new JArray(urls.Followers(group), authorUri),
    };

    /// <summary>
    /// What a compact relay of the reply stored from <paramref name="note"/> keeps (<see cref="DeliveryQueue.NewCompactRelay"/>):
    /// <paramref name="activity"/> with the note's id for its object, when the activity embeds exactly that note; null
    /// otherwise (the relay is then stored whole). The embedded note is neither copied nor serialized again. The caller
    /// sets <see cref="OutboundActivity.ReplyId"/> once the reply has its id.
    /// </summary>
    public static string? CompactEnvelope(JObject activity, JObject note)
    {
        if (activity["object"] is not JObject embedded || ActivityJson.GetId(note) is not { } noteId || !JToken.DeepEquals(embedded, note))
            return null;
        var envelope = new JObject();
        foreach (var property in activity.Properties())
            envelope[property.Name] = property.Name == "object" ? noteId : property.Value;
        return ActivityJson.Serialize(envelope);
    }

    /// <summary>The activity's JSON as delivered and served.</summary>
    public async Task<string> JsonAsync(FediLearnDbContext db, OutboundActivity row, CancellationToken ct)
    {
        if (row.ReplyId is not { } replyId) return row.Json;
        var group = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == row.ActorId, ct);
        var reply = await db.Replies.AsNoTracking().Where(r => r.Id == replyId).Select(r => new { r.Json, r.AuthorUri }).FirstOrDefaultAsync(ct);
        return Expand(row, group, reply?.Json, reply?.AuthorUri);
    }

    /// <summary>
    /// A compact relay made whole again: the reply's JSON back in the author's activity, and the group's Announce around
    /// it, addressed as <see cref="DeliveryQueue.Broadcast"/> addressed it. Without the reply (it cannot be deleted while
    /// its group exists, but a damaged database should not stop deliveries) the activity keeps the reply's id.
    /// </summary>
    public string Expand(OutboundActivity row, LocalActor group, string? replyJson, string? authorUri)
    {
        var envelope = ActivityJson.Parse(row.Json);
        if (replyJson is not null) envelope["object"] = ActivityJson.Parse(replyJson);
        var announce = Announce(group, authorUri ?? ActivityJson.GetId(envelope["actor"]) ?? "", envelope, row.CreatedAt);
        if (!row.IsPublic) Audience.RestrictToFollowers(announce, urls.Actor(group), urls.Followers(group));
        return DeliveryQueue.WithId(announce, urls.Activity(row.Key)).ToString(Newtonsoft.Json.Formatting.None);
    }
}
