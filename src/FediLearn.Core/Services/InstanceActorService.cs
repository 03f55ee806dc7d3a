using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>
/// The node's Application actor, which signs our fetches; created once, on first start. Several app processes may
/// start at once on a fresh PostgreSQL database: the unique actor name lets one insert win, the others read its row.
/// </summary>
public sealed class InstanceActorService(FediLearnDbContext db, TimeProvider time)
{
    /// <summary>Whether the instance actor exists, asked without EF's query pipeline (at start: see <see cref="SchemaMigrator.ReadFirstColumnAsync"/>).</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct) =>
        (await SchemaMigrator.ReadFirstColumnAsync(db, $"SELECT 1 FROM local_actors WHERE kind = {(int)ActorKind.Application} LIMIT 1", ct)).Count > 0;

    public async Task<LocalActor> EnsureAsync(string nodeName, CancellationToken ct)
    {
        var actor = await db.LocalActors.FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct);
        if (actor is not null) return actor;
        actor = LocalActorFactory.Create(ActorKind.Application, ActorUrls.InstanceActorName, nodeName,
            "The instance actor of this FediLearn node. It signs requests on the node's behalf.", true, time.GetUtcNow().UtcDateTime);
        db.LocalActors.Add(actor);
        try
        {
            await db.SaveChangesAsync(ct);
            return actor;
        }
        catch (DbUpdateException)
        {
            db.Entry(actor).State = EntityState.Detached;
            return await db.LocalActors.FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct) ?? throw new InvalidOperationException(
                "Creating the instance actor failed, and no other process created it.");
        }
    }
}
