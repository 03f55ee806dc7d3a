using System.Xml;
using System.Xml.Linq;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages;

/// <summary>
/// ASP.NET Data Protection's key ring in the table data_protection_keys instead of ~/.aspnet/DataProtection-Keys: every
/// app node sharing the database protects and unprotects cookies (sign-in, antiforgery) with the same keys, and a node
/// moved to another machine or container keeps them. Data Protection calls this from its own singletons, so each call
/// opens a DbContext scope of its own. The keys are stored as Data Protection writes them (unencrypted, like the actors'
/// private keys in the same database).
/// </summary>
public sealed class DatabaseXmlRepository(IServiceScopeFactory scopes, ILogger<DatabaseXmlRepository> logger) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var rows = db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => new { k.Id, k.Xml }).ToList();
        var elements = new List<XElement>(rows.Count);
        foreach (var row in rows)
        {
            try
            {
                elements.Add(XElement.Parse(row.Xml));
            }
            catch (XmlException e)
            {
                logger.LogWarning("data_protection_keys row {Id} is not XML and is ignored: {Error}", row.Id, e.Message);
            }
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        // IXmlRepository is synchronous, so this blocks either way; the async save is the one that queues at the process's
        // SQLite write gate (SqliteWriteGate) instead of waiting in SQLite's busy handler behind the queues' writers. It
        // runs when a key is created (first start, every 90 days), not per request.
        db.SaveChangesAsync(CancellationToken.None).GetAwaiter().GetResult();
    }
}
