using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record DeliveryView(long Id, string ActivityType, string Inbox, DeliveryState State, int Attempts, DateTimeOffset NextAttemptAt, int? LastStatus, string? LastError);

/// <summary>What Hangfire's dashboard gives its users, for the CLI (and later the admin pages): list and retry deliveries.</summary>
public sealed class DeliveryAdminService(FediLearnDbContext db, DeliverySignal signal, TimeProvider time)
{
    public async Task<IReadOnlyList<DeliveryView>> ListAsync(bool failedOnly, int limit, CancellationToken ct)
    {
        var query = db.DeliveryJobs.AsNoTracking();
        query = failedOnly
            ? query.Where(j => j.State == DeliveryState.Failed)
            : query.Where(j => j.State != DeliveryState.Succeeded);
        var rows = await query.OrderByDescending(j => j.Id).Take(limit)
            .Select(j => new { j.Id, j.Activity!.Type, j.Inbox, j.State, j.Attempts, j.NextAttemptAt, j.LastStatus, j.LastError })
            .ToListAsync(ct);
        return rows.Select(j => new DeliveryView(j.Id, j.Type, j.Inbox, j.State, j.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(j.NextAttemptAt), j.LastStatus, j.LastError)).ToList();
    }

    public async Task<Dictionary<DeliveryState, int>> CountsAsync(CancellationToken ct) =>
        await db.DeliveryJobs.AsNoTracking().GroupBy(j => j.State).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    /// <summary>Makes failed (or abandoned) deliveries due now with a fresh attempt budget; also revives their hosts.</summary>
    public async Task<int> RetryAsync(long? id, CancellationToken ct)
    {
        var query = db.DeliveryJobs.Where(j => j.State == DeliveryState.Failed || j.State == DeliveryState.Abandoned);
        if (id is { } one)
        {
            var job = await db.DeliveryJobs.FirstOrDefaultAsync(j => j.Id == one, ct)
                ?? throw new FediLearnException($"no delivery with id {one}");
            if (job.State is not (DeliveryState.Failed or DeliveryState.Abandoned))
                throw new FediLearnException($"delivery {one} is {job.State.ToString().ToLowerInvariant()}, not failed: nothing to retry");
            query = query.Where(j => j.Id == one);
        }
        var jobs = await query.ToListAsync(ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var job in jobs)
        {
            job.State = DeliveryState.Pending;
            job.Attempts = 0;
            job.NextAttemptAt = now;
            job.CompletedAt = null;
        }
        var hosts = jobs.Select(j => j.Host).Distinct().ToList();
        foreach (var host in await db.RemoteHosts.Where(h => hosts.Contains(h.Host)).ToListAsync(ct))
        {
            host.Dead = false;
            host.FailingSince = null;
        }
        await db.SaveChangesAsync(ct);
        signal.Signal.Notify();
        return jobs.Count;
    }
}
