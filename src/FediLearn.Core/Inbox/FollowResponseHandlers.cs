using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Accept{Follow} from an actor one of our members asked to follow (only the followee may accept), or Friendica's
/// Accept of one of our sessions (an RSVP "yes", under the rules of a Join: <see cref="RsvpService.AnswerAsync"/>).
/// </summary>
public sealed class AcceptHandler(FediLearnDbContext db, ActorUrls urls, RsvpService rsvps) : IActivityHandler
{
    public string Type => "Accept";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (await rsvps.FindSessionAsync(ActivityJson.GetId(context.Activity["object"]), ct) is { } found)
        {
            await rsvps.AnswerAsync(found.Session, found.Group, context.Signer, context.Activity, RsvpStatus.Yes, ct);
            return;
        }
        var row = await FollowResponseMatcher.FindAsync(db, urls, context, ct);
        if (row is null) return;
        row.State = FollowState.Accepted;
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>
/// Reject{Follow} (the followee refused or removed one of our members), or Friendica's Reject of one of our sessions (an
/// RSVP "no", recorded from anyone: it gives no seat and no reminder).
/// </summary>
public sealed class RejectHandler(FediLearnDbContext db, ActorUrls urls, RsvpService rsvps) : IActivityHandler
{
    public string Type => "Reject";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (await rsvps.FindSessionAsync(ActivityJson.GetId(context.Activity["object"]), ct) is { } found)
        {
            await rsvps.SetAsync(found.Session, context.Signer.Uri, RsvpStatus.No, ct);
            return;
        }
        var row = await FollowResponseMatcher.FindAsync(db, urls, context, ct);
        if (row is null) return;
        db.Followings.Remove(row);
        await db.SaveChangesAsync(ct);
    }
}

internal static class FollowResponseMatcher
{
    /// <summary>By our Follow's id, or else by (embedded Follow's actor = our member, signer = followee), as Mastodon does.</summary>
    public static async Task<Following?> FindAsync(FediLearnDbContext db, ActorUrls urls, InboxContext context, CancellationToken ct)
    {
        var inner = context.Activity["object"];
        var followId = ActivityJson.GetId(inner);
        var query = db.Followings.Include(f => f.RemoteActor).Where(f => f.RemoteActor!.Uri == context.Signer.Uri);
        var row = followId is null ? null : await query.FirstOrDefaultAsync(f => f.FollowActivityId == followId, ct);
        if (row is null && inner is JObject obj && ActivityJson.HasType(obj, "Follow") && urls.Parse(ActivityJson.GetId(obj["actor"])) is { } local)
        {
            row = await query.FirstOrDefaultAsync(
                f => db.LocalActors.Any(a => a.Id == f.LocalActorId && a.Kind == local.Kind && a.Name == local.Name), ct);
        }
        return row;
    }
}
