using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Inbox;

/// <summary>
/// A remote actor deleted itself (Mastodon's account deletion: <c>Delete</c> whose object is the actor, signed with the
/// actor's own key). The caller has checked that the signer is the deleted actor. What we hold of it goes:
/// <list type="bullet">
/// <item>it stops following our groups and members, silently: no Reject is sent to an actor that no longer exists;</item>
/// <item>its replies leave our threads as if it had deleted each one (ThreadService.DeleteAsync): the group withdraws its
/// Announce (Undo{Announce}, federation.md item 16) and relays nothing new: there is no per-reply Delete to relay;</item>
/// <item>its likes are removed, as Mastodon removes a deleted account's favourites;</item>
/// <item>objects kept for our members' timelines (when they followed it) are marked deleted, and their follows of it end;</item>
/// <item>deliveries still queued for its personal inbox are abandoned (not those to a shared inbox other actors use);</item>
/// <item>the cached actor and key are dropped: anything later signed with that key is checked against a fresh fetch,
/// and a repeated self-Delete is answered 202 without a fetch (security.md case 13).</item>
/// </list>
/// RSVPs and check-in votes stay: federation.md removes an RSVP only on Leave and keeps votes once counted.
/// </summary>
public sealed class ActorDeletion(
    FediLearnDbContext db, ThreadService threads, VerifiedKeyCache verifiedKeys, TimeProvider time, ILogger<ActorDeletion> logger)
{
    public async Task DeleteAsync(RemoteActor signer, CancellationToken ct)
    {
        var actor = await db.RemoteActors.FirstOrDefaultAsync(a => a.Uri == signer.Uri, ct);
        if (actor is null) return; // already gone: a re-delivery

        // Followers first, so that the Undo{Announce}s queued below are not fanned out to the deleted actor.
        db.Followers.RemoveRange(await db.Followers.Where(f => f.RemoteActorId == actor.Id || f.ActorUri == actor.Uri).ToListAsync(ct));
        db.Followings.RemoveRange(await db.Followings.Where(f => f.RemoteActorId == actor.Id).ToListAsync(ct));
        await db.SaveChangesAsync(ct);

        var replies = await db.Replies.Where(r => r.AuthorUri == actor.Uri && r.DeletedAt == null).Select(r => r.Uri).ToListAsync(ct);
        foreach (var reply in replies) await threads.DeleteAsync(actor, reply, activity: null, ct);

        // Its likes go with it, as Mastodon removes a deleted account's favourites (a like is no record of anything).
        await db.Likes.Where(l => l.ActorUri == actor.Uri).ExecuteDeleteAsync(ct);

        var now = time.GetUtcNow();
        await db.RemoteObjects.Where(o => o.AttributedTo == actor.Uri && o.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DeletedAt, now.UtcDateTime), ct);

        // Its own inbox only: a shared inbox (or an inbox another cached actor also names) still serves others.
        var inbox = actor.Inbox;
        var abandoned = 0;
        if (!await db.RemoteActors.AnyAsync(a => a.Id != actor.Id && (a.Inbox == inbox || a.SharedInbox == inbox), ct))
        {
            var completedAt = now.ToUnixTimeMilliseconds();
            abandoned = await db.DeliveryJobs.Where(j => j.Inbox == inbox && j.State == DeliveryState.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.State, DeliveryState.Abandoned)
                    .SetProperty(j => j.LastError, "the recipient deleted itself")
                    .SetProperty(j => j.CompletedAt, completedAt), ct);
        }

        db.RemoteActors.Remove(actor);
        await db.SaveChangesAsync(ct);
        verifiedKeys.Clear();
        logger.LogInformation("{Actor} deleted itself: {Replies} replies withdrawn, {Jobs} deliveries abandoned", actor.Uri, replies.Count, abandoned);
    }
}
