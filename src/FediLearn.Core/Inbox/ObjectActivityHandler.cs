using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// Create, Update and Delete of objects: replies in our groups' threads go to the ThreadService; objects of actors our
/// members follow (a remote group's prompts, sessions…) are kept as received for the members' timelines. The object must be the signer's own, on the signer's origin (security.md case 24).
/// </summary>
public abstract class ObjectActivityHandler(FediLearnDbContext db, TimeProvider time, ThreadService threads) : IActivityHandler
{
    public abstract string Type { get; }

    public abstract Task HandleAsync(InboxContext context, CancellationToken ct);

    protected FediLearnDbContext Db => db;
    protected ThreadService Threads => threads;
    protected DateTime Now => time.GetUtcNow().UtcDateTime;
    protected DateTimeOffset UtcNow => time.GetUtcNow();

    /// <summary>The embedded object if it is the signer's: same origin as the signer, attributed to the signer.</summary>
    protected static JObject? OwnObject(InboxContext context)
    {
        if (context.Activity["object"] is not JObject obj || ActivityJson.GetId(obj) is not { } id) return null;
        if (!Uri.TryCreate(id, UriKind.Absolute, out var objectUri) || !Uri.TryCreate(context.Signer.Uri, UriKind.Absolute, out var signerUri)) return null;
        if (!string.Equals(objectUri.Authority, signerUri.Authority, StringComparison.OrdinalIgnoreCase)) return null;
        var attributed = ActivityJson.GetIds(obj["attributedTo"]);
        return attributed.Count == 0 || attributed.Contains(context.Signer.Uri) ? obj : null;
    }

    protected Task<bool> IsFollowedAsync(string actorUri, CancellationToken ct) =>
        db.Followings.AnyAsync(f => f.RemoteActor!.Uri == actorUri && f.State == FollowState.Accepted, ct);

    public sealed class Create(FediLearnDbContext db, TimeProvider time, ThreadService threads, ILogger<Create> logger) : ObjectActivityHandler(db, time, threads)
    {
        public override string Type => "Create";

        private void LogDeletedFirst(string id, string signer) =>
            logger.LogInformation("Dropped {Id}: {Signer} deleted it before its Create came (RememberedDeletes)", id, signer);

        public override async Task HandleAsync(InboxContext context, CancellationToken ct)
        {
            if (OwnObject(context) is not { } obj) return;
            var id = ActivityJson.GetId(obj)!;
            if (await RememberedDeletes.ArrivedFirstAsync(Db, id, context.Signer.Uri, UtcNow, ct))
            {
                LogDeletedFirst(id, context.Signer.Uri);
                return;
            }
            if (await Threads.ReceiveAsync(context.Signer, obj, context.Activity, ct)) return;
            if (!await IsFollowedAsync(context.Signer.Uri, ct)) return;
            if (await Db.RemoteObjects.AnyAsync(o => o.Uri == id, ct)) return; // a replay or a re-delivery
            Db.RemoteObjects.Add(new RemoteObject
            {
                Uri = id,
                Type = ActivityJson.GetTypes(obj).FirstOrDefault() ?? "Object",
                AttributedTo = context.Signer.Uri,
                Name = ActivityJson.GetString(obj, "name"),
                InReplyTo = ActivityJson.GetId(obj["inReplyTo"]),
                Json = ActivityJson.Serialize(obj),
                ReceivedAt = Now,
            });
            await Db.SaveChangesAsync(ct);
        }

        /// <summary>
        /// A claimed batch of Creates: the replies to our threads stored and relayed together
        /// (<see cref="ThreadService.ReceiveBatchAsync"/>), and objects that are not the signer's own ignored, as
        /// <see cref="HandleAsync"/> does. Returns the indexes dealt with; the others go through HandleAsync one by one.
        /// <paramref name="withDone"/> writes in the transaction that stores the replies, with those indexes (the inbox
        /// worker marks its items done there).
        /// </summary>
        public async Task<IReadOnlySet<int>> HandleRepliesAsync(
            IReadOnlyList<InboxContext> contexts, Func<IReadOnlySet<int>, CancellationToken, Task> withDone, CancellationToken ct)
        {
            var done = new HashSet<int>();
            var replies = new List<(RemoteActor, JObject, JObject)>();
            var indexes = new List<int>();
            var own = contexts.Select(OwnObject).ToList();
            var deletedFirst = await RememberedDeletes.ArrivedFirstAsync(Db,
                own.Select((obj, i) => obj is null ? default : (ActivityJson.GetId(obj)!, contexts[i].Signer.Uri)).Where(p => p.Item1 is not null),
                UtcNow, ct);
            for (var i = 0; i < contexts.Count; i++)
            {
                if (own[i] is not { } obj)
                {
                    done.Add(i);
                    continue;
                }
                if (deletedFirst.Contains((ActivityJson.GetId(obj)!, contexts[i].Signer.Uri)))
                {
                    LogDeletedFirst(ActivityJson.GetId(obj)!, contexts[i].Signer.Uri);
                    done.Add(i); // dropped, as HandleAsync drops it
                    continue;
                }
                replies.Add((contexts[i].Signer, obj, contexts[i].Activity));
                indexes.Add(i);
            }
            await Threads.ReceiveBatchAsync(replies, (taken, t) =>
            {
                foreach (var i in taken) done.Add(indexes[i]);
                return withDone(done, t);
            }, ct);
            return done;
        }
    }

    public sealed class Update(FediLearnDbContext db, TimeProvider time, ThreadService threads, RemoteActorResolver resolver, ILogger<Update> logger)
        : ObjectActivityHandler(db, time, threads)
    {
        public override string Type => "Update";

        public override async Task HandleAsync(InboxContext context, CancellationToken ct)
        {
            // An actor's new profile, keys or endpoints (Mastodon's Update{Person}): only its own document, checked as a fetched one is.
            if (context.Activity["object"] is JObject actor && ActorDocument.IsActorType(actor))
            {
                if (await resolver.ApplyUpdateAsync(context.Signer, actor, context.Activity["@context"], ct) is { } refused)
                    logger.LogInformation("Ignored actor Update by {Signer}: {Reason}", context.Signer.Uri, refused);
                return;
            }
            if (OwnObject(context) is not { } obj) return;
            if (await Threads.UpdateAsync(context.Signer, obj, context.Activity, ct)) return;
            var id = ActivityJson.GetId(obj)!;
            var row = await Db.RemoteObjects.FirstOrDefaultAsync(o => o.Uri == id && o.AttributedTo == context.Signer.Uri, ct);
            if (row is null || row.DeletedAt is not null) return;
            row.Json = ActivityJson.Serialize(obj);
            row.Name = ActivityJson.GetString(obj, "name");
            row.UpdatedAt = Now;
            await Db.SaveChangesAsync(ct);
        }
    }

    public sealed class Delete(FediLearnDbContext db, TimeProvider time, ThreadService threads, ActorDeletion actors, ILogger<Delete> logger)
        : ObjectActivityHandler(db, time, threads)
    {
        public override string Type => "Delete";

        public override async Task HandleAsync(InboxContext context, CancellationToken ct)
        {
            var id = ActivityJson.GetId(context.Activity["object"]);
            if (id is null) return;
            // An actor deleting itself (the signer is the actor, security.md case 13); a Delete of anyone else's actor matches nothing below.
            if (id == context.Signer.Uri)
            {
                await actors.DeleteAsync(context.Signer, ct);
                return;
            }
            if (await Threads.DeleteAsync(context.Signer, id, context.Activity, ct)) return;
            var row = await Db.RemoteObjects.FirstOrDefaultAsync(o => o.Uri == id && o.AttributedTo == context.Signer.Uri, ct);
            if (row is null)
            {
                // Perhaps it is still on its way (deliveries are not ordered): its Create, if it comes, is dropped.
                if (await RememberedDeletes.RememberAsync(Db, id, context.Signer.Uri, UtcNow, ct))
                    logger.LogDebug("Remembered the Delete of {Id} by {Signer}, which we do not have", id, context.Signer.Uri);
                return;
            }
            if (row.DeletedAt is not null) return;
            row.DeletedAt = Now;
            await Db.SaveChangesAsync(ct);
        }
    }
}
