using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Announce by an actor our members follow: a group relaying a reply, either as FEP-1b12 (the author's Create, Update
/// or Delete embedded) or as a plain boost of the object id. The object is always fetched from its own origin by id,
/// never taken from an embedded copy (security.md case 23), and kept for the members' timelines under the announcing
/// actor (the author is in the stored JSON). A relayed Delete takes it out of that group's thread: the group is the
/// authority over what its thread holds.
/// </summary>
public sealed class AnnounceHandler(
    FediLearnDbContext db, RemoteActorResolver resolver, ActorUrls urls, NoteService notes, TimeProvider time, ILogger<AnnounceHandler> logger) : IActivityHandler
{
    private static readonly string[] WrappedTypes = ["Create", "Update", "Delete"];

    public string Type => "Announce";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (!await db.Followings.AnyAsync(f => f.RemoteActor!.Uri == context.Signer.Uri && f.State == FollowState.Accepted, ct)) return;
        var announced = context.Activity["object"];
        var wrapped = announced is JObject inner ? WrappedTypes.FirstOrDefault(t => ActivityJson.HasType(inner, t)) : null;
        var id = wrapped is null ? ActivityJson.GetId(announced) : ActivityJson.GetId(announced!["object"]);
        if (id is null || !Uri.TryCreate(id, UriKind.Absolute, out var uri)) return;

        var row = await db.RemoteObjects.FirstOrDefaultAsync(o => o.Uri == id, ct);
        if (wrapped == "Delete")
        {
            if (row is not null && row.AttributedTo == context.Signer.Uri && row.DeletedAt is null)
            {
                row.DeletedAt = time.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(ct);
            }
            return;
        }
        if (row is not null && wrapped != "Update") return;
        if (row is not null && row.AttributedTo != context.Signer.Uri) return;

        var obj = await FetchAsync(uri, ct);
        if (obj is null) return;
        if (row is null)
        {
            db.RemoteObjects.Add(row = new RemoteObject { Uri = id, AttributedTo = context.Signer.Uri, ReceivedAt = time.GetUtcNow().UtcDateTime });
        }
        else
        {
            row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        }
        row.Type = ActivityJson.GetTypes(obj).FirstOrDefault() ?? "Object";
        row.Name = ActivityJson.GetString(obj, "name");
        row.InReplyTo = ActivityJson.GetId(obj["inReplyTo"]);
        row.Json = ActivityJson.Serialize(obj);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The object as its origin serves it (one of our members' own notes is read from the database), if its author lives there.</summary>
    private async Task<JObject?> FetchAsync(Uri uri, CancellationToken ct)
    {
        if (urls.IsLocal(uri.AbsoluteUri))
        {
            if (urls.ParseNote(uri.AbsoluteUri) is not { } own) return null;
            var note = await notes.FindAsync(own.Author, own.Id, ct);
            var author = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Person && a.Name == own.Author, ct);
            return note is null || author is null || note.DeletedAt is not null ? null : notes.Render(note, author);
        }
        JObject obj;
        try
        {
            obj = await resolver.FetchObjectAsync(uri, ct);
        }
        catch (FetchException e)
        {
            logger.LogInformation("Announced object {Id} could not be fetched: {Message}", uri, e.Message);
            return null;
        }
        // The document is what its URL says (the fetcher checked id == URL); its author must live on the same origin.
        var authorId = ActivityJson.GetIds(obj["attributedTo"]).FirstOrDefault();
        return authorId is not null && Uri.TryCreate(authorId, UriKind.Absolute, out var authorUri)
            && string.Equals(authorUri.Authority, uri.Authority, StringComparison.OrdinalIgnoreCase)
            ? obj : null;
    }
}
