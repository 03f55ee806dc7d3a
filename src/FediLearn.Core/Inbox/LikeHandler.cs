using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Inbox;

/// <summary>Likes of our group objects and of replies in their threads are counted, once per actor (federation.md item 18).</summary>
public sealed class LikeHandler(FediLearnDbContext db, ActorUrls urls, TimeProvider time) : IActivityHandler
{
    public string Type => "Like";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        var target = ActivityJson.GetId(context.Activity["object"]);
        if (target is null || !await IsOursAsync(target, ct)) return;
        if (await db.Likes.AnyAsync(l => l.ObjectUri == target && l.ActorUri == context.Signer.Uri, ct)) return;
        db.Likes.Add(new Like
        {
            ObjectUri = target,
            ActorUri = context.Signer.Uri,
            ActivityId = ActivityJson.GetId(context.Activity) ?? "",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
    }

    private async Task<bool> IsOursAsync(string uri, CancellationToken ct)
    {
        if (urls.ParseItem(uri) is { } item)
            return await db.GroupItems.AnyAsync(i => i.Id == item.Id && i.Kind == item.Kind && i.PublishedAt != null && i.DeletedAt == null, ct);
        return await db.Replies.AnyAsync(r => r.Uri == uri && r.DeletedAt == null, ct);
    }
}
