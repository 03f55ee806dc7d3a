using FediLearn.ActivityPub.Http;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record FollowingView(string ActorUri, string? Handle, FollowState State);

/// <summary>Our members following actors elsewhere, e.g. a group on another co-op's node.</summary>
public sealed class FollowingService(
    FediLearnDbContext db, ActorUrls urls, RemoteActorResolver resolver, DeliveryQueue queue, DeliverySignal signal, TimeProvider time)
{
    public async Task<RemoteActor> FollowAsync(string userName, string handleOrUrl, CancellationToken ct)
    {
        var person = await FindPersonAsync(userName, ct);
        RemoteActor target;
        try { target = await resolver.ResolveAsync(handleOrUrl, ct); }
        catch (FetchException e) { throw new FediLearnException($"could not find an actor at {handleOrUrl.Trim()}: {e.Message}"); }

        var row = await db.Followings.FirstOrDefaultAsync(f => f.LocalActorId == person.Id && f.RemoteActorId == target.Id, ct);
        if (row is { State: FollowState.Accepted })
            throw new FediLearnException($"{userName} already follows {target.Uri}");
        var activity = queue.CreateActivity(db, person, ActivityBuilder.Follow(urls.Actor(person), target.Uri), isPublic: false);
        if (row is null)
            db.Followings.Add(row = new Following { LocalActorId = person.Id, RemoteActorId = target.Id, CreatedAt = time.GetUtcNow().UtcDateTime });
        row.State = FollowState.Pending;
        row.FollowActivityId = urls.Activity(activity.Key);
        queue.Enqueue(db, activity, [target.Inbox]);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
        return target;
    }

    public async Task UnfollowAsync(string userName, string actorUri, CancellationToken ct)
    {
        actorUri = actorUri.Trim(); // pasted ids often carry a space; the stored one never does
        var person = await FindPersonAsync(userName, ct);
        var row = await db.Followings.Include(f => f.RemoteActor)
            .FirstOrDefaultAsync(f => f.LocalActorId == person.Id && f.RemoteActor!.Uri == actorUri, ct)
            ?? throw new FediLearnException($"{userName} does not follow {actorUri}");
        var follow = ActivityBuilder.Follow(urls.Actor(person), actorUri);
        follow["id"] = row.FollowActivityId;
        var undo = queue.CreateActivity(db, person, ActivityBuilder.Undo(urls.Actor(person), actorUri, follow), isPublic: false);
        queue.Enqueue(db, undo, [row.RemoteActor!.Inbox]);
        db.Followings.Remove(row);
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
    }

    public async Task<IReadOnlyList<FollowingView>> ListAsync(string userName, CancellationToken ct)
    {
        var person = await FindPersonAsync(userName, ct);
        return await db.Followings.AsNoTracking().Where(f => f.LocalActorId == person.Id).OrderBy(f => f.Id)
            .Select(f => new FollowingView(f.RemoteActor!.Uri,
                f.RemoteActor.Username == null ? null : "@" + f.RemoteActor.Username + "@" + f.RemoteActor.Host, f.State))
            .ToListAsync(ct);
    }

    private Task<LocalActor> FindPersonAsync(string userName, CancellationToken ct) => db.FindPersonAsync(userName, ct);
}
