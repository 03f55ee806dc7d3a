using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>Undo{Follow} (matched by (actor, object) even when the ids differ, federation.md item 9), Undo{Like}, and Undo{Announce} by a followed group.</summary>
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
            var target = urls.Parse(ActivityJson.GetId(obj["object"]));
            if (target is null) return;
            var rows = await db.Followers
                .Where(f => f.ActorUri == signer && db.LocalActors.Any(a => a.Id == f.LocalActorId && a.Kind == target.Value.Kind && a.Name == target.Value.Name))
                .ToListAsync(ct);
            db.Followers.RemoveRange(rows);
        }
        else if (inner is JObject like && ActivityJson.HasType(like, "Like"))
        {
            var target = ActivityJson.GetId(like["object"]);
            db.Likes.RemoveRange(await db.Likes.Where(l => l.ActorUri == signer && l.ObjectUri == target).ToListAsync(ct));
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
