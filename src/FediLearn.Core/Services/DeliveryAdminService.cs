using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Services;

public sealed record DeliveryView(long Id, string ActivityType, string Inbox, DeliveryState State, int Attempts, DateTimeOffset NextAttemptAt, int? LastStatus, string? LastError);

/// <summary>A remote host the worker has trouble with: failing since, or marked dead (skipped until revived or heard from).</summary>
public sealed record HostView(string Host, bool Dead, DateTimeOffset? FailingSince, DateTimeOffset? LastFailureAt, DateTimeOffset? LastSuccessAt, int Waiting);

public sealed record InboxFailureView(long Id, string ActorUri, string Type, int Attempts, DateTimeOffset ReceivedAt, string? LastError);

/// <summary>What Hangfire's dashboard gives its users, for the CLI and the admin page /admin/deliveries: list, retry and
/// abandon deliveries, revive dead hosts, and see the inbox queue.</summary>
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

    /// <summary>
    /// Makes failed deliveries due now with a fresh attempt budget; also revives their hosts. One by id may also be an
    /// abandoned one (the admin changed their mind); all at once (id null) takes only the failed ones, so abandoning stays final.
    /// </summary>
    public async Task<int> RetryAsync(long? id, CancellationToken ct)
    {
        var query = id is null
            ? db.DeliveryJobs.Where(j => j.State == DeliveryState.Failed)
            : db.DeliveryJobs.Where(j => j.State == DeliveryState.Failed || j.State == DeliveryState.Abandoned);
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

    /// <summary>The newest deliveries in the given states (newest first, at most limit) and how many there are in all.</summary>
    public async Task<(IReadOnlyList<DeliveryView> Rows, int Total)> ListAsync(IReadOnlyCollection<DeliveryState> states, int limit, CancellationToken ct)
    {
        var query = db.DeliveryJobs.AsNoTracking().Where(j => states.Contains(j.State));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(j => j.Id).Take(limit)
            .Select(j => new { j.Id, j.Activity!.Type, j.Inbox, j.State, j.Attempts, j.NextAttemptAt, j.LastStatus, j.LastError })
            .ToListAsync(ct);
        return (rows.Select(j => new DeliveryView(j.Id, j.Type, j.Inbox, j.State, j.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(j.NextAttemptAt), j.LastStatus, j.LastError)).ToList(), total);
    }

    /// <summary>
    /// Gives up a delivery that has not been sent yet (pending) or failed: it becomes Abandoned and the worker never sends
    /// it. One conditional UPDATE, so a worker claiming the job at the same moment either wins (the job is running and
    /// this refuses) or never sees it.
    /// </summary>
    public async Task AbandonAsync(long id, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var changed = await db.DeliveryJobs
            .Where(j => j.Id == id && (j.State == DeliveryState.Pending || j.State == DeliveryState.Failed))
            .ExecuteUpdateAsync(set => set
                .SetProperty(j => j.State, DeliveryState.Abandoned)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.LockedUntil, (long?)null), ct);
        if (changed == 1) return;
        var state = await db.DeliveryJobs.AsNoTracking().Where(j => j.Id == id).Select(j => (DeliveryState?)j.State).FirstOrDefaultAsync(ct)
            ?? throw new FediLearnException($"no delivery with id {id}");
        throw new FediLearnException(state switch
        {
            DeliveryState.Succeeded => $"delivery {id} already succeeded: the other server has it, so there is nothing to abandon",
            DeliveryState.Running => $"delivery {id} is being sent right now: look again in a moment",
            _ => $"delivery {id} is already abandoned",
        });
    }

    public Task<bool> ExistsAsync(long id, CancellationToken ct) => db.DeliveryJobs.AnyAsync(j => j.Id == id, ct);

    /// <summary>Hosts marked dead or failing, worst first, with how many deliveries to them are still queued.</summary>
    public async Task<IReadOnlyList<HostView>> TroubledHostsAsync(int limit, CancellationToken ct)
    {
        var rows = await db.RemoteHosts.AsNoTracking().Where(h => h.Dead || h.FailingSince != null)
            .OrderByDescending(h => h.Dead).ThenBy(h => h.FailingSince).Take(limit)
            .Select(h => new
            {
                h.Host, h.Dead, h.FailingSince, h.LastFailureAt, h.LastSuccessAt,
                Waiting = db.DeliveryJobs.Count(j => j.Host == h.Host && (j.State == DeliveryState.Pending || j.State == DeliveryState.Running)),
            })
            .ToListAsync(ct);
        return rows.Select(h => new HostView(h.Host, h.Dead, Instant(h.FailingSince), Instant(h.LastFailureAt), Instant(h.LastSuccessAt), h.Waiting)).ToList();
    }

    /// <summary>Clears a host's dead mark and failure streak and makes its queued deliveries due now.</summary>
    public async Task ReviveHostAsync(string host, CancellationToken ct)
    {
        var row = await db.RemoteHosts.FirstOrDefaultAsync(h => h.Host == host, ct)
            ?? throw new FediLearnException($"no remote host {host} is known");
        if (!row.Dead && row.FailingSince is null) throw new FediLearnException($"{host} is neither dead nor failing: nothing to revive");
        row.Dead = false;
        row.FailingSince = null;
        await db.SaveChangesAsync(ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.DeliveryJobs.Where(j => j.Host == host && j.State == DeliveryState.Pending)
            .ExecuteUpdateAsync(set => set.SetProperty(j => j.NextAttemptAt, now), ct);
        signal.Signal.Notify();
    }

    public async Task<Dictionary<InboxState, int>> InboxCountsAsync(CancellationToken ct) =>
        await db.InboxItems.AsNoTracking().GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    /// <summary>The newest incoming activities the inbox worker gave up on, with the error.</summary>
    public async Task<IReadOnlyList<InboxFailureView>> FailedInboxAsync(int limit, CancellationToken ct)
    {
        var rows = await db.InboxItems.AsNoTracking().Where(i => i.State == InboxState.Failed).OrderByDescending(i => i.Id).Take(limit)
            .Select(i => new { i.Id, i.ActorUri, i.Json, i.Attempts, i.ReceivedAt, i.LastError })
            .ToListAsync(ct);
        return rows.Select(i => new InboxFailureView(i.Id, i.ActorUri, ActivityType(i.Json), i.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(i.ReceivedAt), i.LastError)).ToList();
    }

    private static DateTimeOffset? Instant(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    private static string ActivityType(string json)
    {
        try
        {
            return (Newtonsoft.Json.Linq.JObject.Parse(json)["type"] as Newtonsoft.Json.Linq.JValue)?.ToString() ?? "?";
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return "?";
        }
    }
}
