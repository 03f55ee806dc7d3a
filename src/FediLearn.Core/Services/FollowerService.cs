using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

public sealed record FollowerView(string ActorUri, string? Handle, FollowState State, DateTime Since);

/// <summary>Followers of our actors: the accept/approve/remove side of federation.md items 8-9.</summary>
public sealed class FollowerService(FediLearnDbContext db, ActorUrls urls, DeliveryQueue queue, DeliverySignal signal, TimeProvider time)
{
    /// <summary>Records a verified Follow. Open actors accept at once; approval groups keep it pending.</summary>
    public async Task RecordFollowAsync(LocalActor target, RemoteActor follower, JObject follow, CancellationToken ct)
    {
        var row = await db.Followers.FirstOrDefaultAsync(f => f.LocalActorId == target.Id && f.ActorUri == follower.Uri, ct);
        if (row is null)
        {
            row = new Follower
            {
                LocalActorId = target.Id,
                RemoteActorId = follower.Id,
                ActorUri = follower.Uri,
                CreatedAt = time.GetUtcNow().UtcDateTime,
                State = FollowState.Pending,
            };
            db.Followers.Add(row);
        }
        // Keep the latest Follow: a re-sent Follow (Mastodon retries) must be answered with an Accept embedding it.
        row.FollowActivityId = ActivityJson.GetId(follow) ?? "";
        row.FollowJson = follow.ToString(Newtonsoft.Json.Formatting.None);
        var autoAccept = target.Kind == ActorKind.Person || (target.Kind == ActorKind.Group && !target.ManuallyApprovesFollowers);
        if (row.State == FollowState.Accepted || autoAccept)
            Accept(target, row, follower.Inbox);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>Answers a Follow from a banned actor with Reject{Follow}, recording nothing.</summary>
    public async Task RefuseAsync(LocalActor target, RemoteActor follower, JObject follow, CancellationToken ct)
    {
        var activity = queue.CreateActivity(db, target, ActivityBuilder.Reject(urls.Actor(target), follower.Uri, follow), isPublic: false);
        queue.Enqueue(db, activity, [follower.Inbox]);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    public async Task<IReadOnlyList<FollowerView>> ListAsync(string actorName, CancellationToken ct)
    {
        var actor = await FindAsync(actorName, ct);
        return await Views(db.Followers.AsNoTracking().Where(f => f.LocalActorId == actor.Id).OrderBy(f => f.Id)).ToListAsync(ct);
    }

    /// <summary>One page of <paramref name="actor"/>'s followers in <paramref name="state"/>, oldest first.</summary>
    public async Task<IReadOnlyList<FollowerView>> ListAsync(LocalActor actor, FollowState state, int skip, int take, CancellationToken ct) =>
        await Views(db.Followers.AsNoTracking().Where(f => f.LocalActorId == actor.Id && f.State == state)
            .OrderBy(f => f.Id).Skip(skip).Take(take)).ToListAsync(ct);

    /// <summary>How many of <paramref name="actor"/>'s followers wait for approval, and how many are accepted.</summary>
    public async Task<(int Pending, int Accepted)> CountsAsync(LocalActor actor, CancellationToken ct)
    {
        var counts = await db.Followers.Where(f => f.LocalActorId == actor.Id).GroupBy(f => f.State)
            .Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Of(FollowState state) => counts.FirstOrDefault(c => c.State == state)?.Count ?? 0;
        return (Of(FollowState.Pending), Of(FollowState.Accepted));
    }

    /// <summary>
    /// How many servers an actor's accepted followers are on: where its public activities go. Counted by the database from
    /// each follower's kept host (migration 0013), without loading the followers.
    /// </summary>
    public Task<int> ServerCountAsync(LocalActor actor, CancellationToken ct)
    {
        var here = urls.Authority.ToLowerInvariant();
        return db.Followers.Where(f => f.LocalActorId == actor.Id && f.State == FollowState.Accepted && f.DeliveryHost != null && f.DeliveryHost != here)
            .Select(f => f.DeliveryHost).Distinct().CountAsync(ct);
    }

    private static IQueryable<FollowerView> Views(IQueryable<Follower> followers) =>
        followers.Select(f => new FollowerView(f.ActorUri,
            f.RemoteActor!.Username == null ? null : "@" + f.RemoteActor.Username + "@" + f.RemoteActor.Host,
            f.State, f.CreatedAt));

    public async Task ApproveAsync(string actorName, string followerUri, CancellationToken ct)
    {
        followerUri = followerUri.Trim(); // pasted ids often carry a space; the stored one never does
        var (actor, row) = await FindFollowerAsync(actorName, followerUri, ct);
        if (row.State == FollowState.Accepted)
            throw new FediLearnException($"{followerUri} already follows {actorName}");
        Accept(actor, row, row.RemoteActor!.Inbox);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    /// <summary>
    /// Removes a follower (or refuses a pending request) and tells their server with Reject{Follow}. A members-only
    /// group also withdraws what is still queued for the removed participant's own inbox: they get nothing more.
    /// </summary>
    public async Task RemoveAsync(string actorName, string followerUri, CancellationToken ct)
    {
        followerUri = followerUri.Trim(); // pasted ids often carry a space; the stored one never does
        var (actor, row) = await FindFollowerAsync(actorName, followerUri, ct);
        if (actor.MembersOnly)
        {
            var inbox = row.RemoteActor!.Inbox;
            await db.DeliveryJobs
                .Where(j => j.Inbox == inbox && j.State == DeliveryState.Pending
                    && db.OutboundActivities.Any(a => a.Id == j.ActivityId && a.ActorId == actor.Id && !a.IsPublic && db.FanoutJobs.Any(f => f.ActivityId == a.Id)))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, DeliveryState.Abandoned).SetProperty(j => j.LastError, "The participant was removed from the members-only group"), ct);
        }
        var reject = ActivityBuilder.Reject(urls.Actor(actor), row.ActorUri, ActivityJson.Parse(row.FollowJson));
        var activity = queue.CreateActivity(db, actor, reject, isPublic: false);
        queue.Enqueue(db, activity, [row.RemoteActor!.Inbox]);
        db.Followers.Remove(row);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    private void Accept(LocalActor actor, Follower row, string inbox)
    {
        row.State = FollowState.Accepted;
        row.AcceptedAt ??= time.GetUtcNow().UtcDateTime;
        var accept = ActivityBuilder.Accept(urls.Actor(actor), row.ActorUri, ActivityJson.Parse(row.FollowJson));
        var activity = queue.CreateActivity(db, actor, accept, isPublic: false);
        queue.Enqueue(db, activity, [inbox]);
    }

    private async Task<LocalActor> FindAsync(string name, CancellationToken ct) =>
        await db.LocalActors.FirstOrDefaultAsync(a => a.Name == name && a.Kind != ActorKind.Application, ct)
        ?? throw new FediLearnException($"no group or member named \"{name}\"");

    private async Task<(LocalActor, Follower)> FindFollowerAsync(string actorName, string followerUri, CancellationToken ct)
    {
        var actor = await FindAsync(actorName, ct);
        var row = await db.Followers.Include(f => f.RemoteActor)
            .FirstOrDefaultAsync(f => f.LocalActorId == actor.Id && f.ActorUri == followerUri, ct)
            ?? throw new FediLearnException($"{followerUri} does not follow {actorName} and has not asked to");
        return (actor, row);
    }
}
