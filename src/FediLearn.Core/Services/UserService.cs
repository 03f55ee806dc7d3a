using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>Login accounts (ASP.NET Core Identity, its password hasher) and the Person actor each one has.</summary>
public sealed class UserService(FediLearnDbContext db, UserManager<AppUser> users, TimeProvider time)
{
    public async Task<LocalActor> AddAsync(string name, string email, string password, CancellationToken ct)
    {
        if (NameRules.Validate(name) is { } problem) throw new FediLearnException(problem);
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@') || email.Length > 254)
            throw new FediLearnException($"\"{email}\" is not an e-mail address");
        if (await db.LocalActors.AnyAsync(a => a.Name == name, ct))
            throw new FediLearnException($"the name \"{name}\" is already taken by a group or member");
        if (await users.FindByEmailAsync(email) is not null)
            throw new FediLearnException($"an account with the e-mail {email} already exists");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var user = new AppUser { UserName = name, Email = email, CreatedAt = now };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
            throw new FediLearnException(string.Join(" ", result.Errors.Select(e => e.Description)));
        var person = LocalActorFactory.Create(ActorKind.Person, name, name, null, false, now);
        person.UserId = user.Id;
        db.LocalActors.Add(person);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return person;
    }
}
