using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>Finding our members and groups by name, with the one-line error a user sees when there is none.</summary>
public static class LocalActorLookup
{
    /// <summary>A group's name given for a member is said so: "users add" would refuse that taken name.</summary>
    public static async Task<LocalActor> FindPersonAsync(this FediLearnDbContext db, string userName, CancellationToken ct) =>
        await db.LocalActors.FirstOrDefaultAsync(a => a.Name == userName && a.Kind == ActorKind.Person, ct)
        ?? throw new FediLearnException(await db.LocalActors.AnyAsync(a => a.Name == userName && a.Kind == ActorKind.Group, ct)
            ? $"\"{userName}\" is a group, not a member"
            : $"no member named \"{userName}\" (add one with: users add {userName} --email …)");

    public static async Task<LocalActor> FindGroupAsync(this FediLearnDbContext db, string groupName, CancellationToken ct) =>
        await db.LocalActors.FirstOrDefaultAsync(a => a.Name == groupName && a.Kind == ActorKind.Group, ct)
        ?? throw new FediLearnException($"no group named \"{groupName}\"");

    /// <summary>Whether the member facilitates the group (publishes, moderates, reads it when it is members-only).</summary>
    public static Task<bool> IsFacilitatorAsync(this FediLearnDbContext db, long groupId, long personId, CancellationToken ct) =>
        db.GroupFacilitators.AnyAsync(f => f.GroupId == groupId && f.PersonId == personId, ct);

    /// <summary>
    /// Whether an actor URL is one of our members who facilitates the group. A remote actor, or a URL of ours that names
    /// no member, is not.
    /// </summary>
    public static Task<bool> IsFacilitatorAsync(this FediLearnDbContext db, ActorUrls urls, long groupId, string actorUri, CancellationToken ct) =>
        urls.Parse(actorUri) is { Kind: ActorKind.Person } person
            ? db.GroupFacilitators.AnyAsync(f => f.GroupId == groupId
                && db.LocalActors.Any(a => a.Id == f.PersonId && a.Kind == ActorKind.Person && a.Name == person.Name), ct)
            : Task.FromResult(false);
}
