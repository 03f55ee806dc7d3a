using System.Collections.Concurrent;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace FediLearn.Core.Data;

/// <summary>
/// The look-ups every received activity makes, compiled once. A LINQ query is otherwise rebuilt as an expression tree
/// and matched against EF's query cache on every call, which showed in the inbox profile next to the SQL itself
/// (docs/performance.md). Each one means exactly what the LINQ it replaces said. A compiled query is bound to the model
/// it first ran with, and one process may hold two (the SQLite and PostgreSQL contexts of the copy verb, the tests), so
/// each is compiled once per model.
/// </summary>
internal static class HotQueries
{
    private static readonly PerModel<Func<FediLearnDbContext, string, Task<RemoteActor?>>> RemoteActorByUri = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, string uri) => db.RemoteActors.FirstOrDefault(a => a.Uri == uri)));

    private static readonly PerModel<Func<FediLearnDbContext, string, Task<RemoteActor?>>> RemoteActorByKeyId = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, string keyId) => db.RemoteActors.FirstOrDefault(a => a.KeyId == keyId)));

    private static readonly PerModel<Func<FediLearnDbContext, string, Task<bool>>> ReplyExists = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, string uri) => db.Replies.Any(r => r.Uri == uri)));

    private static readonly PerModel<Func<FediLearnDbContext, long, string, Task<bool>>> IsBanned = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, long groupId, string actorUri) => db.GroupBans.Any(b => b.GroupId == groupId && b.ActorUri == actorUri)));

    private static readonly PerModel<Func<FediLearnDbContext, string, Task<LocalActor?>>> GroupByName = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, string name) =>
            db.LocalActors.AsNoTracking().FirstOrDefault(a => a.Kind == ActorKind.Group && a.Name == name)));

    private static readonly PerModel<Func<FediLearnDbContext, long, long, ItemKind, Task<GroupItem?>>> PublishedItem = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db, long id, long groupId, ItemKind kind) =>
            db.GroupItems.AsNoTracking().FirstOrDefault(i => i.Id == id && i.GroupId == groupId && i.Kind == kind && i.PublishedAt != null && i.DeletedAt == null)));

    private static readonly PerModel<Func<FediLearnDbContext, IAsyncEnumerable<string>>> BlockedDomains = new(() =>
        EF.CompileAsyncQuery((FediLearnDbContext db) => db.DomainBlocks.AsNoTracking().Select(d => d.Domain)));

    public static Task<RemoteActor?> RemoteActorByUriAsync(FediLearnDbContext db, string uri) => RemoteActorByUri.For(db)(db, uri);

    public static Task<RemoteActor?> RemoteActorByKeyIdAsync(FediLearnDbContext db, string keyId) => RemoteActorByKeyId.For(db)(db, keyId);

    public static Task<bool> ReplyExistsAsync(FediLearnDbContext db, string uri) => ReplyExists.For(db)(db, uri);

    public static Task<bool> IsBannedAsync(FediLearnDbContext db, long groupId, string actorUri) => IsBanned.For(db)(db, groupId, actorUri);

    public static Task<LocalActor?> GroupByNameAsync(FediLearnDbContext db, string name) => GroupByName.For(db)(db, name);

    public static Task<GroupItem?> PublishedItemAsync(FediLearnDbContext db, long id, long groupId, ItemKind kind) =>
        PublishedItem.For(db)(db, id, groupId, kind);

    public static IAsyncEnumerable<string> BlockedDomainsAsync(FediLearnDbContext db) => BlockedDomains.For(db)(db);

    private sealed class PerModel<T>(Func<T> compile) where T : class
    {
        private readonly ConcurrentDictionary<IModel, T> _byModel = new(ReferenceEqualityComparer.Instance);

        public T For(DbContext db) => _byModel.GetOrAdd(db.Model, _ => compile());
    }
}
