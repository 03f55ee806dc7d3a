using System.Text;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Inbox;

/// <summary>Likes of our group objects and of replies in their threads are counted, once per actor (federation.md item 18).</summary>
public sealed class LikeHandler(FediLearnDbContext db, ActorUrls urls, TimeProvider time, ILogger<LikeHandler> logger) : IActivityHandler
{
    /// <summary>
    /// The longest object id and actor id, together, that a like is kept for. Each is at most IriLength.MaxBytes, but the
    /// pair is one entry of the likes' unique index, and PostgreSQL refuses an entry over ~2,700 bytes.
    /// </summary>
    public const int MaxKeyBytes = 2600;

    public string Type => "Like";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        var target = ActivityJson.GetId(context.Activity["object"]);
        if (target is null || !await IsOursAsync(target, ct)) return;
        if (Encoding.UTF8.GetByteCount(target) + Encoding.UTF8.GetByteCount(context.Signer.Uri) > MaxKeyBytes)
        {
            logger.LogInformation("Like of {Object} by {Actor} not counted: the two ids are too long to index together", target, context.Signer.Uri);
            return;
        }
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
        // The item at that id, of that kind and in that group: a like of /g/other/prompts/7 names no object of ours (its
        // row, stored under that id, would never be counted for the prompt at /g/rust/prompts/7).
        if (urls.ParseItem(uri) is { } item)
            return await db.GroupItems.AnyAsync(i => i.Id == item.Id && i.Kind == item.Kind && i.PublishedAt != null && i.DeletedAt == null
                && db.LocalActors.Any(g => g.Id == i.GroupId && g.Kind == ActorKind.Group && g.Name == item.Group), ct);
        return await db.Replies.AnyAsync(r => r.Uri == uri && r.DeletedAt == null, ct);
    }
}
