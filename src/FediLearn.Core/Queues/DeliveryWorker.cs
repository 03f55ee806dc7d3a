using System.Net;
using System.Text;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Queues;

/// <summary>
/// Sends queued deliveries: claims due jobs, signs each POST at send time (in the HTTP pipeline), and records success,
/// a retry with backoff, a final failure, or a dead host. Survives restarts: state lives only in the database.
/// </summary>
public sealed class DeliveryWorker(
    IServiceScopeFactory scopes, FederationHttp http, LocalKeyStore keys, DeliverySignal signal,
    IOptions<FediLearnOptions> options, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly DeliveryOptions _options = options.Value.Delivery;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var processed = await RunOnceAsync(stoppingToken);
                if (processed == 0) await signal.Signal.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Delivery worker loop failed; retrying shortly");
                await Task.Delay(_options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        if (!db.Database.IsSqlite()) return; // several processes share a PostgreSQL queue: leases handle recovery there
        var released = await QueueClaims.ReleaseAllAsync(db, "delivery_jobs", time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
        if (released > 0) logger.LogInformation("Recovered {Count} deliveries interrupted by the last shutdown", released);
    }

    /// <summary>Claims and sends one batch; returns how many jobs it handled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<DeliveryJob> jobs;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var now = time.GetUtcNow();
            var ids = await QueueClaims.ClaimAsync(db, "delivery_jobs", _options.Concurrency,
                now.ToUnixTimeMilliseconds(), (now + _options.Lease).ToUnixTimeMilliseconds(), ct);
            if (ids.Count == 0) return 0;
            jobs = await db.DeliveryJobs.AsNoTracking().Include(j => j.Activity).Where(j => ids.Contains(j.Id)).ToListAsync(ct);
        }
        await Task.WhenAll(jobs.Select(job => DeliverAsync(job, ct)));
        return jobs.Count;
    }

    private async Task DeliverAsync(DeliveryJob job, CancellationToken ct)
    {
        int? status = null;
        string? error = null;
        TimeSpan? retryAfter = null;
        var hostDead = false;
        try
        {
            hostDead = await IsHostDeadAsync(job.Host, ct);
            if (!hostDead)
            {
                var key = await keys.GetAsync(job.Activity!.ActorId, ct);
                using var request = new HttpRequestMessage(HttpMethod.Post, job.Inbox)
                {
                    Content = new ByteArrayContent(Encoding.UTF8.GetBytes(job.Activity.Json)),
                };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
                request.Options.Set(SigningHandler.KeyOption, key);
                using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                status = (int)response.StatusCode;
                retryAfter = RetryAfter(response);
                if (!response.IsSuccessStatusCode) error = $"HTTP {status} {response.ReasonPhrase}";
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; } // lease expiry / start-up recovery retries it
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            error = e is TaskCanceledException ? "timed out" : e.Message;
        }
        await RecordAsync(job, status, error, retryAfter, hostDead, CancellationToken.None);
    }

    private async Task RecordAsync(DeliveryJob job, int? status, string? error, TimeSpan? retryAfter, bool hostDead, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var row = await db.DeliveryJobs.FirstAsync(j => j.Id == job.Id, ct);
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        row.LockedUntil = null;
        row.LastStatus = status;
        row.LastError = hostDead ? "host is marked dead: no successful delivery for a long time" : error;

        var host = await db.RemoteHosts.FindAsync([job.Host], ct);
        if (host is null) db.RemoteHosts.Add(host = new RemoteHost { Host = job.Host });

        if (status is >= 200 and < 300)
        {
            row.State = DeliveryState.Succeeded;
            row.CompletedAt = nowMs;
        }
        else if (hostDead || !RetryPolicy.IsRetryable(status) || row.Attempts >= _options.MaxAttempts)
        {
            row.State = DeliveryState.Failed;
            row.CompletedAt = nowMs;
        }
        else
        {
            row.State = DeliveryState.Pending;
            row.NextAttemptAt = (now + RetryPolicy.Delay(row.Attempts, _options, retryAfter, Random.Shared)).ToUnixTimeMilliseconds();
        }

        // A host that answers at all (even 4xx) is alive; network errors and 5xx count towards "dead".
        if (!hostDead)
        {
            if (status is not null and < 500)
            {
                host.FailingSince = null;
                host.LastSuccessAt = nowMs;
                host.Dead = false;
            }
            else
            {
                host.FailingSince ??= nowMs;
                host.LastFailureAt = nowMs;
                if (nowMs - host.FailingSince >= (long)_options.DeadHostAfter.TotalMilliseconds) host.Dead = true;
            }
        }
        await db.SaveChangesAsync(ct);
        if (row.State != DeliveryState.Succeeded)
            logger.LogInformation("Delivery {Id} to {Inbox}: {Error} -> {State}", row.Id, row.Inbox, row.LastError, row.State);
    }

    private async Task<bool> IsHostDeadAsync(string host, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        return await db.RemoteHosts.AsNoTracking().AnyAsync(h => h.Host == host && h.Dead, ct);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return response.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.FromMinutes(1) : null;
    }
}
