using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Announce by an actor our members follow (a group relaying a reply, FEP-1b12): the announced object is fetched from
/// its own origin by id, never taken from an embedded copy (security.md case 23), and kept for the members' timelines
/// under the announcing actor they follow (the author is in the stored JSON).
/// </summary>
public sealed class AnnounceHandler(FediLearnDbContext db, RemoteActorResolver resolver, TimeProvider time, ILogger<AnnounceHandler> logger) : IActivityHandler
{
    public string Type => "Announce";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (!await db.Followings.AnyAsync(f => f.RemoteActor!.Uri == context.Signer.Uri && f.State == FollowState.Accepted, ct)) return;
        if (ActivityJson.GetId(context.Activity["object"]) is not { } id || !Uri.TryCreate(id, UriKind.Absolute, out var uri)) return;
        if (await db.RemoteObjects.AnyAsync(o => o.Uri == id, ct)) return;
        Newtonsoft.Json.Linq.JObject obj;
        try
        {
            obj = await resolver.FetchObjectAsync(uri, ct);
        }
        catch (FetchException e)
        {
            logger.LogInformation("Announced object {Id} could not be fetched: {Message}", id, e.Message);
            return;
        }
        // The document is what its URL says (the fetcher checked id == URL); its author must live on the same origin.
        var author = ActivityJson.GetIds(obj["attributedTo"]).FirstOrDefault();
        if (author is null || !Uri.TryCreate(author, UriKind.Absolute, out var authorUri)
            || !string.Equals(authorUri.Authority, uri.Authority, StringComparison.OrdinalIgnoreCase)) return;
        db.RemoteObjects.Add(new RemoteObject
        {
            Uri = id,
            Type = ActivityJson.GetTypes(obj).FirstOrDefault() ?? "Object",
            AttributedTo = context.Signer.Uri,
            Name = ActivityJson.GetString(obj, "name"),
            InReplyTo = ActivityJson.GetId(obj["inReplyTo"]),
            Json = ActivityJson.Serialize(obj),
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
    }
}
