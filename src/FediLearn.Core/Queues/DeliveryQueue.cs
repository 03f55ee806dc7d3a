using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
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
        var row = NewActivity(actor, activity, isPublic);
        db.OutboundActivities.Add(row);
        return row;
    }

    private OutboundActivity NewActivity(LocalActor actor, JObject activity, bool isPublic)
    {
        var key = Guid.CreateVersion7().ToString("N");
        var document = WithId(activity, urls.Activity(key));
        return NewRow(actor, key, document.Value<string>("type") ?? "", document.ToString(Newtonsoft.Json.Formatting.None), isPublic);
    }

    private OutboundActivity NewRow(LocalActor actor, string key, string type, string json, bool isPublic) => new()
    {
        Key = key,
        ActorId = actor.Id,
        Type = type,
        Json = json,
        IsPublic = isPublic,
        CreatedAt = time.GetUtcNow().UtcDateTime,
    };

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
        var stored = NewBroadcast(actor, activity, out var fanout);
        db.OutboundActivities.Add(stored);
        db.FanoutJobs.Add(fanout);
        return stored;
    }

    /// <summary>
    /// <see cref="Broadcast(FediLearnDbContext, LocalActor, JObject)"/>'s activity and fan-out job, not added to any
    /// context: for a caller that writes many of them itself (<c>ThreadService</c>'s relays, set-based) and expands
    /// them with <see cref="ExpandAsync"/> in the same transaction.
    /// </summary>
    public OutboundActivity NewBroadcast(LocalActor actor, JObject activity, out FanoutJob fanout)
    {
        if (actor.MembersOnly) Audience.RestrictToFollowers(activity, urls.Actor(actor), urls.Followers(actor));
        var stored = NewActivity(actor, activity, isPublic: !actor.MembersOnly);
        fanout = FanoutOf(actor, stored);
        return stored;
    }

    /// <summary>
    /// A group's compact relay of a reply it stores (<see cref="OutboundDocuments"/>): the row holds
    /// <paramref name="envelope"/>, the author's activity with the reply's id for its object, and the Announce is built
    /// around it when delivered or served, addressed as <see cref="NewBroadcast(LocalActor, JObject, out FanoutJob)"/>
    /// would have addressed it. Nothing of the Announce is built or serialized here.
    /// </summary>
    public OutboundActivity NewCompactRelay(LocalActor group, string envelope, out FanoutJob fanout)
    {
        var stored = NewRow(group, Guid.CreateVersion7().ToString("N"), "Announce", envelope, isPublic: !group.MembersOnly);
        fanout = FanoutOf(group, stored);
        return stored;
    }

    private FanoutJob FanoutOf(LocalActor actor, OutboundActivity stored)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return new FanoutJob { Activity = stored, ActorId = actor.Id, State = DeliveryState.Pending, NextAttemptAt = now, CreatedAt = now };
    }

    /// <summary>
    /// One delivery job per follower inbox of the actor, in one INSERT … SELECT: followers on one server share its shared
    /// inbox, except for activities that are not public (a members-only group's), which go to each approved follower's
    /// own inbox: no server's shared inbox is trusted to sort out who may see them. Jobs are inserted round-robin across
    /// hosts (the first inbox of every host, then the second…): claims take jobs in id order, so a server with many
    /// inboxes does not fill a claim with jobs that must wait for its <c>PerHostConcurrency</c> while other servers'
    /// wait behind them. No follower list is loaded into memory however large the group. Run it in a transaction.
    /// </summary>
    public static Task<int> ExpandAsync(FediLearnDbContext db, long activityId, long actorId, bool isPublic, long now, CancellationToken ct) =>
        ExpandAsync(db, [activityId], actorId, isPublic, now, ct);

    /// <summary>
    /// <see cref="ExpandAsync(FediLearnDbContext, long, long, bool, long, CancellationToken)"/> for several activities of
    /// one actor in one statement (a batch of a group's relays, issue 7): each activity's jobs in the order it would get
    /// on its own, the activities in id order.
    /// </summary>
    public static Task<int> ExpandAsync(FediLearnDbContext db, IReadOnlyList<long> activityIds, long actorId, bool isPublic, long now, CancellationToken ct)
    {
        if (activityIds.Count == 0) return Task.FromResult(0);
        var ids = string.Join(", ", Enumerable.Range(2, activityIds.Count).Select(n => $"{{{n}}}"));
        object[] args = [now, actorId, .. activityIds.Cast<object>()];
        var inboxes = isPublic ? PublicInboxesSql : OwnInboxesSql;
        var sql = $$"""
            INSERT INTO delivery_jobs (activity_id, inbox, host, state, attempts, next_attempt_at, created_at)
            SELECT a.id, t.inbox, t.host, 0, 0, {0}, {0}
            FROM outbound_activities a
            CROSS JOIN ({{inboxes}}) t
            WHERE a.id IN ({{ids}})
            ORDER BY a.id, ROW_NUMBER() OVER (PARTITION BY a.id, t.host ORDER BY t.inbox), t.host
            """; // only fixed text and the ids' placeholders are put into the text
        return db.Database.ExecuteSqlRawAsync(sql, args, ct);
    }

    /// <summary>
    /// A public activity's inboxes, {1} the actor: each follower row carries its delivery inbox and host (kept by the
    /// database, migration 0013), so on SQLite the grouping reads
    /// ix_followers_local_actor_id_state_delivery_inbox_delivery_host in order: no join, no temporary sort of every follower.
    /// </summary>
    internal const string PublicInboxesSql = """
        SELECT f.delivery_inbox AS inbox, MIN(f.delivery_host) AS host
        FROM followers f
        WHERE f.local_actor_id = {1} AND f.state = 1
        GROUP BY f.delivery_inbox
        """;

    /// <summary>A members-only activity's inboxes, {1} the actor: each approved follower's own inbox, from its remote actor.</summary>
    internal const string OwnInboxesSql = """
        SELECT r.inbox AS inbox, MIN(r.host) AS host
        FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id
        WHERE f.local_actor_id = {1} AND f.state = 1
        GROUP BY r.inbox
        """;

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
