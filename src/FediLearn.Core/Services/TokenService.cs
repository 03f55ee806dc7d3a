using System.Security.Cryptography;
using System.Text;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>Personal access tokens for the JSON API: shown once, stored only as a SHA-256 hash.</summary>
public sealed class TokenService(FediLearnDbContext db, TimeProvider time)
{
    private const string Prefix = "flt_";

    public async Task<string> CreateAsync(string userName, string? name, CancellationToken ct)
    {
        var person = await db.FindPersonAsync(userName, ct);
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.AccessTokens.Add(new AccessToken
        {
            PersonId = person.Id,
            TokenHash = Hash(token),
            Name = string.IsNullOrWhiteSpace(name) ? "API token" : name.Trim(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// <summary>The member a bearer token belongs to, or null.</summary>
    public async Task<LocalActor?> AuthenticateAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        var row = await db.AccessTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (row is null) return null;
        var now = time.GetUtcNow().UtcDateTime;
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(5))
        {
            row.LastUsedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Id == row.PersonId, ct);
    }

    public Task<bool> IsFacilitatorAsync(LocalActor person, LocalActor group, CancellationToken ct) =>
        db.IsFacilitatorAsync(group.Id, person.Id, ct);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
