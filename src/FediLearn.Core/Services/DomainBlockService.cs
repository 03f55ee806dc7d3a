using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>
/// Node-wide domain blocks, for the CLI (`domains block|unblock|list`) and the admin page /admin/domains. A block covers
/// the domain and its subdomains; SignatureAuthenticator refuses their signed requests with 403 before any key fetch.
/// </summary>
public sealed class DomainBlockService(FediLearnDbContext db, TimeProvider time)
{
    public async Task<IReadOnlyList<DomainBlock>> ListAsync(CancellationToken ct) =>
        await db.DomainBlocks.AsNoTracking().OrderBy(b => b.Domain).ToListAsync(ct);

    /// <summary>Blocks a domain; returns it as stored (lower case, without a trailing dot).</summary>
    public async Task<string> BlockAsync(string domain, string? reason, CancellationToken ct)
    {
        var d = Normalize(domain);
        if (d.Length == 0 || d.Contains('/') || d.Contains('@') || Uri.CheckHostName(d.Split(':')[0]) == UriHostNameType.Unknown)
            throw new FediLearnException($"\"{domain}\" is not a domain name");
        if (await db.DomainBlocks.AnyAsync(b => b.Domain == d, ct)) throw new FediLearnException($"{d} is already blocked");
        db.DomainBlocks.Add(new DomainBlock
        {
            Domain = d, Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
        return d;
    }

    /// <summary>Lifts a block; returns the domain as stored.</summary>
    public async Task<string> UnblockAsync(string domain, CancellationToken ct)
    {
        var d = Normalize(domain);
        var row = await db.DomainBlocks.FirstOrDefaultAsync(b => b.Domain == d, ct) ?? throw new FediLearnException($"{d} is not blocked");
        db.DomainBlocks.Remove(row);
        await db.SaveChangesAsync(ct);
        return d;
    }

    public static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}
