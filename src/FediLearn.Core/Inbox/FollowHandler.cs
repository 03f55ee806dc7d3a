using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Inbox;

/// <summary>Follow of one of our groups or members (federation.md item 8).</summary>
public sealed class FollowHandler(FediLearnDbContext db, ActorUrls urls, FollowerService followers, ILogger<FollowHandler> logger) : IActivityHandler
{
    public string Type => "Follow";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        var target = urls.Parse(ActivityJson.GetId(context.Activity["object"]));
        if (target is not { Kind: ActorKind.Group or ActorKind.Person } t)
        {
            logger.LogInformation("Ignoring Follow of {Object}: not one of our groups or members", context.Activity["object"]);
            return;
        }
        var actor = await db.LocalActors.FirstOrDefaultAsync(a => a.Kind == t.Kind && a.Name == t.Name, ct);
        if (actor is null) return;
        if (await ModerationService.IsBannedAsync(db, actor.Id, context.Signer.Uri, ct))
        {
            await followers.RefuseAsync(actor, context.Signer, context.Activity, ct);
            return;
        }
        await followers.RecordFollowAsync(actor, context.Signer, context.Activity, ct);
    }
}
