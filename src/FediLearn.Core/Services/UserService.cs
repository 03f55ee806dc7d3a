using FediLearn.Core.Data;
using FediLearn.Core.Federation;
using FediLearn.Core.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>Login accounts (ASP.NET Core Identity, its password hasher) and the Person actor each one has.</summary>
public sealed class UserService(FediLearnDbContext db, UserManager<AppUser> users, RoleManager<IdentityRole> roles, ActorUrls urls, TimeProvider time)
{
    /// <summary>The Identity role of node admins (a row in asp_net_roles, created by migration 0008). Facilitators are per group: group_facilitators.</summary>
    public const string AdminRole = "admin";

    public Task<LocalActor> AddAsync(string name, string email, string password, CancellationToken ct) =>
        AddAsync(name, email, password, admin: false, ct);

    public async Task<LocalActor> AddAsync(string name, string email, string password, bool admin, CancellationToken ct)
    {
        if (NameRules.Validate(name, urls) is { } problem) throw new FediLearnException(problem);
        // Trimmed as the web forms do: a padded address would be stored padded, so that logging in by e-mail and the
        // duplicate check below (Identity compares normalized, i.e. case-insensitively) would both miss it.
        email = email?.Trim() ?? "";
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@') || email.Length > 254)
            throw new FediLearnException($"\"{email}\" is not an e-mail address");
        if (await db.LocalActors.AnyAsync(a => a.Name == name, ct))
            throw new FediLearnException($"the name \"{name}\" is already taken by a group or member");
        if (await users.FindByEmailAsync(email) is not null)
            throw new FediLearnException($"an account with the e-mail {email} already exists");

        // A caller may already hold a transaction (accepting an invitation): join it rather than nest one.
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var now = time.GetUtcNow().UtcDateTime;
        var user = new AppUser { UserName = name, Email = email, CreatedAt = now };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
            throw new FediLearnException(string.Join(" ", result.Errors.Select(e => e.Description)));
        var person = LocalActorFactory.Create(ActorKind.Person, name, name, null, false, now);
        person.UserId = user.Id;
        db.LocalActors.Add(person);
        await db.SaveChangesAsync(ct);
        if (admin)
        {
            await EnsureAdminRoleAsync();
            var roleResult = await users.AddToRoleAsync(user, AdminRole);
            if (!roleResult.Succeeded)
                throw new FediLearnException(string.Join(" ", roleResult.Errors.Select(e => e.Description)));
        }
        if (tx is not null) await tx.CommitAsync(ct);
        return person;
    }

    /// <summary>False until the first admin exists: the web app then offers /setup.</summary>
    public async Task<bool> AnyAdminAsync(CancellationToken ct)
    {
        var normalized = AdminRole.ToUpperInvariant();
        return await db.UserRoles.AnyAsync(ur => db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == normalized), ct);
    }

    /// <summary>The Person actor of a login account.</summary>
    public Task<LocalActor?> PersonOfAsync(string userId, CancellationToken ct) =>
        db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Person && a.UserId == userId, ct);

    public Task<bool> FacilitatesAnyAsync(LocalActor person, CancellationToken ct) =>
        db.GroupFacilitators.AnyAsync(f => f.PersonId == person.Id, ct);

    public async Task<IReadOnlyList<AccessToken>> ListTokensAsync(long personId, CancellationToken ct) =>
        await db.AccessTokens.AsNoTracking().Where(t => t.PersonId == personId).OrderByDescending(t => t.Id).ToListAsync(ct);

    /// <summary>Deletes one of the member's own tokens; false when it is not theirs or already gone.</summary>
    public async Task<bool> RevokeTokenAsync(long personId, long tokenId, CancellationToken ct) =>
        await db.AccessTokens.Where(t => t.Id == tokenId && t.PersonId == personId).ExecuteDeleteAsync(ct) > 0;

    private async Task EnsureAdminRoleAsync()
    {
        if (await roles.RoleExistsAsync(AdminRole)) return;
        var result = await roles.CreateAsync(new IdentityRole(AdminRole));
        if (!result.Succeeded) throw new FediLearnException(string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
