using System.Security.Cryptography;
using System.Text;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public enum InvitationState
{
    Valid,
    Unknown,
    Used,
    Expired,
}

public sealed record InvitationView(long Id, InvitationRole Role, string? GroupName, string? GroupTitle, DateTime CreatedAt, DateTime ExpiresAt, DateTime? UsedAt, string? UsedBy);

public sealed record InvitationCheck(InvitationState State, InvitationRole Role, string? GroupName, string? GroupTitle);

/// <summary>
/// Single-use invitation links: an admin invites a member, or a facilitator of one group. The code is shown once
/// (like an API token) and only its SHA-256 hash is stored; a link expires after <see cref="Lifetime"/>.
/// </summary>
public sealed class InvitationService(FediLearnDbContext db, UserService users, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    /// <summary>Creates an invitation and returns its secret code (part of the /join/{code} link).</summary>
    public async Task<string> CreateAsync(string createdByUserId, InvitationRole role, string? groupName, CancellationToken ct)
    {
        long? groupId = null;
        if (role == InvitationRole.Facilitator)
        {
            if (string.IsNullOrWhiteSpace(groupName)) throw new FediLearnException("choose the group the facilitator will run");
            groupId = (await db.FindGroupAsync(groupName.Trim(), ct)).Id;
        }
        var code = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow().UtcDateTime;
        db.Invitations.Add(new Invitation
        {
            CodeHash = Hash(code),
            Role = role,
            GroupId = groupId,
            CreatedByUserId = createdByUserId,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        });
        await db.SaveChangesAsync(ct);
        return code;
    }

    public async Task<IReadOnlyList<InvitationView>> ListAsync(CancellationToken ct)
    {
        var rows = await db.Invitations.AsNoTracking().OrderByDescending(i => i.Id).Take(100)
            .Select(i => new
            {
                i.Id, i.Role, i.CreatedAt, i.ExpiresAt, i.UsedAt,
                Group = db.LocalActors.Where(g => g.Id == i.GroupId).Select(g => new { g.Name, g.DisplayName }).FirstOrDefault(),
                UsedBy = db.LocalActors.Where(p => p.UserId != null && p.UserId == i.UsedByUserId).Select(p => p.Name).FirstOrDefault(),
            }).ToListAsync(ct);
        return rows.Select(r => new InvitationView(r.Id, r.Role, r.Group?.Name, r.Group?.DisplayName, r.CreatedAt, r.ExpiresAt, r.UsedAt, r.UsedBy)).ToList();
    }

    public async Task<InvitationCheck> CheckAsync(string code, CancellationToken ct)
    {
        var row = await FindAsync(code, ct);
        if (row is null) return new InvitationCheck(InvitationState.Unknown, InvitationRole.Member, null, null);
        var group = row.GroupId is { } id ? await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, ct) : null;
        return new InvitationCheck(StateOf(row), row.Role, group?.Name, group?.DisplayName);
    }

    /// <summary>Creates the invitee's account (and facilitator row) and uses up the code, all in one transaction.</summary>
    public async Task<LocalActor> AcceptAsync(string code, string name, string email, string password, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await FindAsync(code, ct) ?? throw new FediLearnException("this invitation link is not valid");
        switch (StateOf(row))
        {
            case InvitationState.Used: throw new FediLearnException("this invitation has already been used");
            case InvitationState.Expired: throw new FediLearnException("this invitation has expired");
        }
        var person = await users.AddAsync(name, email, password, admin: false, ct);
        var now = time.GetUtcNow().UtcDateTime;
        // Conditional update: two people racing with the same link cannot both succeed.
        var claimed = await db.Invitations.Where(i => i.Id == row.Id && i.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now).SetProperty(i => i.UsedByUserId, person.UserId), ct);
        if (claimed != 1) throw new FediLearnException("this invitation has already been used");
        if (row.Role == InvitationRole.Facilitator && row.GroupId is { } groupId)
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = groupId, PersonId = person.Id, AddedAt = now });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return person;
    }

    private InvitationState StateOf(Invitation row) =>
        row.UsedAt is not null ? InvitationState.Used
        : row.ExpiresAt <= time.GetUtcNow().UtcDateTime ? InvitationState.Expired
        : InvitationState.Valid;

    private Task<Invitation?> FindAsync(string code, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 100) return Task.FromResult<Invitation?>(null);
        var hash = Hash(code);
        return db.Invitations.AsNoTracking().FirstOrDefaultAsync(i => i.CodeHash == hash, ct);
    }

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
