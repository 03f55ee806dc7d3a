using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Queues;

/// <summary>
/// The outbox pattern: an activity and its delivery jobs are added to the caller's DbContext, so they are
/// committed in the same transaction as the change that caused them. Call <see cref="WorkSignal.Notify"/> after saving.
/// </summary>
public sealed class DeliveryQueue(ActorUrls urls, TimeProvider time)
{
    /// <summary>Gives the activity a dereferenceable id under /activities/ and stores it once.</summary>
    public OutboundActivity CreateActivity(FediLearnDbContext db, LocalActor actor, JObject activity, bool isPublic)
    {
        var key = Guid.CreateVersion7().ToString("N");
        var document = WithId(activity, urls.Activity(key));
        var row = new OutboundActivity
        {
            Key = key,
            ActorId = actor.Id,
            Type = document.Value<string>("type") ?? "",
            Json = document.ToString(Newtonsoft.Json.Formatting.None),
            IsPublic = isPublic,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.OutboundActivities.Add(row);
        return row;
    }

    /// <summary>The activity as stored and served: its context first, then its id, then the rest in their order.</summary>
    public static JObject WithId(JObject activity, string id)
    {
        var ordered = new JObject { ["@context"] = activity["@context"] ?? JsonLdContexts.Activity(), ["id"] = id };
        foreach (var property in activity.Properties())
            if (property.Name is not "@context" and not "id") ordered[property.Name] = property.Value;
        return ordered;
    }

    /// <summary>
    /// An activity for all of the actor's followers: stored once, plus one fan-out job (expanded by the FanoutWorker).
    /// A members-only group's activities are addressed to its followers only and stored as not public, which also
    /// makes the fan-out use each follower's own inbox.
    /// </summary>
    public OutboundActivity Broadcast(FediLearnDbContext db, LocalActor actor, JObject activity)
    {
        if (actor.MembersOnly) Audience.RestrictToFollowers(activity, urls.Actor(actor), urls.Followers(actor));
        var stored = CreateActivity(db, actor, activity, isPublic: !actor.MembersOnly);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        db.FanoutJobs.Add(new FanoutJob { Activity = stored, ActorId = actor.Id, State = DeliveryState.Pending, NextAttemptAt = now, CreatedAt = now });
        return stored;
    }

    /// <summary>One job per distinct inbox.</summary>
    public void Enqueue(FediLearnDbContext db, OutboundActivity activity, IEnumerable<string> inboxes)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var inbox in inboxes.Distinct(StringComparer.Ordinal))
        {
            if (!Uri.TryCreate(inbox, UriKind.Absolute, out var uri)) continue;
            db.DeliveryJobs.Add(new DeliveryJob
            {
                Activity = activity,
                Inbox = inbox,
                Host = uri.Authority.ToLowerInvariant(),
                State = DeliveryState.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }
    }
}
