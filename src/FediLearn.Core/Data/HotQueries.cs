using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Data;

/// <summary>
/// The look-ups every received activity makes, compiled once. A LINQ query is otherwise rebuilt as an expression tree
/// and matched against EF's query cache on every call, which showed in the inbox profile next to the SQL itself
/// (docs/performance.md). Each one means exactly what the LINQ it replaces said.
/// </summary>
internal static class HotQueries
{
    public static readonly Func<FediLearnDbContext, long, Task<InboxItem>> InboxItem =
        EF.CompileAsyncQuery((FediLearnDbContext db, long id) => db.InboxItems.First(i => i.Id == id));

    public static readonly Func<FediLearnDbContext, string, Task<RemoteActor?>> RemoteActorByUri =
        EF.CompileAsyncQuery((FediLearnDbContext db, string uri) => db.RemoteActors.FirstOrDefault(a => a.Uri == uri));

    public static readonly Func<FediLearnDbContext, string, Task<RemoteActor?>> RemoteActorByKeyId =
        EF.CompileAsyncQuery((FediLearnDbContext db, string keyId) => db.RemoteActors.FirstOrDefault(a => a.KeyId == keyId));

    public static readonly Func<FediLearnDbContext, string, Task<bool>> ReplyExists =
        EF.CompileAsyncQuery((FediLearnDbContext db, string uri) => db.Replies.Any(r => r.Uri == uri));

    public static readonly Func<FediLearnDbContext, long, string, Task<bool>> IsBanned =
        EF.CompileAsyncQuery((FediLearnDbContext db, long groupId, string actorUri) => db.GroupBans.Any(b => b.GroupId == groupId && b.ActorUri == actorUri));

    public static readonly Func<FediLearnDbContext, string, Task<LocalActor?>> GroupByName =
        EF.CompileAsyncQuery((FediLearnDbContext db, string name) =>
            db.LocalActors.AsNoTracking().FirstOrDefault(a => a.Kind == ActorKind.Group && a.Name == name));

    public static readonly Func<FediLearnDbContext, long, long, ItemKind, Task<GroupItem?>> PublishedItem =
        EF.CompileAsyncQuery((FediLearnDbContext db, long id, long groupId, ItemKind kind) =>
            db.GroupItems.AsNoTracking().FirstOrDefault(i => i.Id == id && i.GroupId == groupId && i.Kind == kind && i.PublishedAt != null && i.DeletedAt == null));

    public static readonly Func<FediLearnDbContext, IAsyncEnumerable<string>> BlockedDomains =
        EF.CompileAsyncQuery((FediLearnDbContext db) => db.DomainBlocks.AsNoTracking().Select(d => d.Domain));
}
