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
        if (d.Length == 0 || d.Contains('/') || d.Contains('@'))
            throw new FediLearnException($"\"{domain}\" is not a domain name");
        // SignatureAuthenticator matches the host alone: "spam.example:8080" would be stored and never match anything.
        if (d.LastIndexOf(':') is var colon and > 0 && d[(colon + 1)..] is { Length: > 0 } port && port.All(char.IsAsciiDigit)
            && Uri.CheckHostName(d) != UriHostNameType.IPv6)
            throw new FediLearnException($"\"{domain.Trim()}\" has a port: a block covers a whole domain on every port, so give the domain alone ({d[..colon]})");
        if (!d.All(char.IsAscii) || Uri.CheckHostName(d) == UriHostNameType.Unknown)
            throw new FediLearnException($"\"{domain}\" is not a domain name");
        if (await db.DomainBlocks.AnyAsync(b => b.Domain == d, ct)) throw new FediLearnException($"{d} is already blocked");
        db.DomainBlocks.Add(new DomainBlock
        {
            Domain = d, Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
        return d;
    }

    /// <summary>Lifts a block, found by the domain's Unicode or punycode name; returns the domain as stored.</summary>
    public async Task<string> UnblockAsync(string domain, CancellationToken ct)
    {
        var d = Normalize(domain);
        // A block stored before names were kept in punycode is still in Unicode: lifting it by its Unicode name must work.
        var asTyped = domain.Trim().TrimEnd('.').ToLowerInvariant();
        var row = await db.DomainBlocks.FirstOrDefaultAsync(b => b.Domain == d || b.Domain == asTyped, ct) ?? throw new FediLearnException($"{d} is not blocked");
        db.DomainBlocks.Remove(row);
        await db.SaveChangesAsync(ct);
        return row.Domain;
    }

    /// <summary>
    /// Lower case, no trailing dot, and an internationalised name in its ASCII (punycode) form: SignatureAuthenticator
    /// compares a block with the signer's Uri.IdnHost, so "bücher.example" must be stored as "xn--bcher-kva.example", and
    /// "[2001:DB8:0::1]" as "2001:db8::1".
    /// A name IdnMapping refuses is left as it is, for BlockAsync to refuse.
    /// </summary>
    public static string Normalize(string domain)
    {
        var d = domain.Trim().TrimEnd('.').ToLowerInvariant();
        // An IPv6 address, with or without a URL's brackets, in the one spelling Uri.IdnHost gives a signer's host.
        // (IPAddress.TryParse would also take "[…]:8080" and drop the port, which BlockAsync refuses below.)
        var address = d.StartsWith('[') ? (d.EndsWith(']') ? d[1..^1] : "") : d;
        if (address.Contains(':') && System.Net.IPAddress.TryParse(address, out var ip)
            && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && ip.ScopeId == 0)
            return ip.ToString();
        if (d.All(char.IsAscii)) return d;
        try { return new System.Globalization.IdnMapping().GetAscii(d).ToLowerInvariant(); }
        catch (ArgumentException) { return d; }
    }
}
