using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

/// <summary>The node's Application actor, which signs our fetches; created once, on first start.</summary>
public sealed class InstanceActorService(FediLearnDbContext db, TimeProvider time)
{
    public async Task<LocalActor> EnsureAsync(string nodeName, CancellationToken ct)
    {
        var actor = await db.LocalActors.FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct);
        if (actor is not null) return actor;
        actor = LocalActorFactory.Create(ActorKind.Application, ActorUrls.InstanceActorName, nodeName,
            "The instance actor of this FediLearn node. It signs requests on the node's behalf.", true, time.GetUtcNow().UtcDateTime);
        db.LocalActors.Add(actor);
        await db.SaveChangesAsync(ct);
        return actor;
    }
}
