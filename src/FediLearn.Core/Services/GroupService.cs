using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record GroupView(string Name, string Title, string? Summary, bool RequiresApproval, int Followers, int Pending, IReadOnlyList<string> Facilitators);

/// <summary>Learning groups and their facilitators.</summary>
public sealed class GroupService(FediLearnDbContext db, TimeProvider time)
{
    public async Task<LocalActor> AddAsync(string name, string title, string? summary, bool approval, string? facilitator, CancellationToken ct)
    {
        if (NameRules.Validate(name) is { } problem) throw new FediLearnException(problem);
        if (string.IsNullOrWhiteSpace(title)) throw new FediLearnException("a group needs a --title");
        if (title.Length > 200) throw new FediLearnException("the title is longer than 200 characters");
        if (await db.LocalActors.AnyAsync(a => a.Name == name, ct))
            throw new FediLearnException($"the name \"{name}\" is already taken by a group or member");
        LocalActor? person = null;
        if (facilitator is not null)
            person = await FindPersonAsync(facilitator, ct);

        var group = LocalActorFactory.Create(ActorKind.Group, name, title.Trim(), summary, approval, time.GetUtcNow().UtcDateTime);
        db.LocalActors.Add(group);
        await db.SaveChangesAsync(ct);
        if (person is not null)
        {
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = person.Id, AddedAt = time.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
        }
        return group;
    }

    public async Task<IReadOnlyList<GroupView>> ListAsync(CancellationToken ct)
    {
        var groups = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).OrderBy(a => a.Name)
            .Select(g => new
            {
                g.Name, g.DisplayName, g.Summary, g.ManuallyApprovesFollowers,
                Followers = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Accepted),
                Pending = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Pending),
                Facilitators = db.GroupFacilitators.Where(f => f.GroupId == g.Id)
                    .Join(db.LocalActors, f => f.PersonId, p => p.Id, (f, p) => p.Name).ToList(),
            }).ToListAsync(ct);
        return groups.Select(g => new GroupView(g.Name, g.DisplayName, g.Summary, g.ManuallyApprovesFollowers, g.Followers, g.Pending, g.Facilitators)).ToList();
    }

    public async Task AddFacilitatorAsync(string groupName, string userName, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        var person = await FindPersonAsync(userName, ct);
        if (await db.GroupFacilitators.AnyAsync(f => f.GroupId == group.Id && f.PersonId == person.Id, ct))
            throw new FediLearnException($"{userName} already facilitates {groupName}");
        db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = person.Id, AddedAt = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Who may reply in the group's threads: open, participants (approved followers) or facilitators.</summary>
    public async Task<PostingPolicy> SetPostingPolicyAsync(string groupName, string policy, CancellationToken ct)
    {
        var parsed = ParsePostingPolicy(policy) ?? throw new FediLearnException($"\"{policy}\" is not a posting policy: use open, participants or facilitators");
        var group = await db.FindGroupAsync(groupName, ct);
        group.PostingPolicy = parsed;
        await db.SaveChangesAsync(ct);
        return parsed;
    }

    public static PostingPolicy? ParsePostingPolicy(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "open" => PostingPolicy.Open,
        "participants" => PostingPolicy.Participants,
        "facilitators" => PostingPolicy.Facilitators,
        _ => null,
    };

    private Task<LocalActor> FindPersonAsync(string userName, CancellationToken ct) => db.FindPersonAsync(userName, ct);
}
