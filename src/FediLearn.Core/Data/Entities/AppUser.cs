using Microsoft.AspNetCore.Identity;

namespace FediLearn.Core.Data.Entities;

/// <summary>A login account (ASP.NET Core Identity). Its public face is a Person <see cref="LocalActor"/>.</summary>
public sealed class AppUser : IdentityUser
{
    public DateTime CreatedAt { get; set; }
}
