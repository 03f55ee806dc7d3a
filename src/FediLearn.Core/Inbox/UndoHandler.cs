using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Undo{Follow} (matched by (actor, object) even when the ids differ, or by the Follow's id, federation.md item 9),
/// Undo{Like} (by (actor, object) or by the Like's id), and Undo{Announce} by a followed group. Only what the signer did
/// is undone: an embedded activity by someone else is ignored, and every match is on the signer's own rows.
/// </summary>
public sealed class UndoHandler(FediLearnDbContext db, ActorUrls urls, TimeProvider time) : IActivityHandler
{
    public string Type => "Undo";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        var inner = context.Activity["object"];
        var signer = context.Signer.Uri;
        if (inner is JObject obj && ActivityJson.HasType(obj, "Follow"))
        {
            // Only the follower can undo its own follow.
            if (ActivityJson.GetId(obj["actor"]) is { } innerActor && innerActor != signer) return;
            // By the object it followed; and by its id, for a Follow embedded without an object we can read.
            if (urls.Parse(ActivityJson.GetId(obj["object"])) is { } target)
                db.Followers.RemoveRange(await db.Followers
                    .Where(f => f.ActorUri == signer && db.LocalActors.Any(a => a.Id == f.LocalActorId && a.Kind == target.Kind && a.Name == target.Name))
                    .ToListAsync(ct));
            if (ActivityJson.GetId(obj) is { } followId)
                db.Followers.RemoveRange(await db.Followers.Where(f => f.ActorUri == signer && f.FollowActivityId == followId).ToListAsync(ct));
        }
        else if (inner is JObject like && ActivityJson.HasType(like, "Like"))
        {
            if (ActivityJson.GetId(like["actor"]) is { } innerActor && innerActor != signer) return;
            if (ActivityJson.GetId(like["object"]) is { } target)
                db.Likes.RemoveRange(await db.Likes.Where(l => l.ActorUri == signer && l.ObjectUri == target).ToListAsync(ct));
            if (ActivityJson.GetId(like) is { } likeId)
                db.Likes.RemoveRange(await db.Likes.Where(l => l.ActorUri == signer && l.ActivityId == likeId).ToListAsync(ct));
        }
        else if (inner is JObject announce && ActivityJson.HasType(announce, "Announce"))
        {
            // A group our members follow withdrew a relay (a moderator removed the reply): it leaves that group's thread here.
            if (ActivityJson.GetId(announce["actor"]) is { } innerActor && innerActor != signer) return;
            var announced = announce["object"];
            var objectId = announced is JObject activity && ActivityJson.GetTypes(activity).Any(t => t is "Create" or "Update")
                ? ActivityJson.GetId(activity["object"])
                : ActivityJson.GetId(announced);
            var row = await db.RemoteObjects.FirstOrDefaultAsync(o => o.Uri == objectId && o.AttributedTo == signer && o.DeletedAt == null, ct);
            if (row is not null) row.DeletedAt = time.GetUtcNow().UtcDateTime;
        }
        else if (ActivityJson.GetId(inner) is { } innerId)
        {
            db.Followers.RemoveRange(await db.Followers.Where(f => f.ActorUri == signer && f.FollowActivityId == innerId).ToListAsync(ct));
            db.Likes.RemoveRange(await db.Likes.Where(l => l.ActorUri == signer && l.ActivityId == innerId).ToListAsync(ct));
        }
        await db.SaveChangesAsync(ct);
    }
}
