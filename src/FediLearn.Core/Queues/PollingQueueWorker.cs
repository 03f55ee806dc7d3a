using FediLearn.Core.Data;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Queues;

/// <summary>
/// The loop shared by the database queues: release what a crash left claimed (SQLite, one process), then process
/// batches until none is due, and sleep until signalled or the poll interval. A failing batch is logged and retried.
/// </summary>
public abstract class PollingQueueWorker(
    IServiceScopeFactory scopes, WorkSignal signal, string table, IOptions<FediLearnOptions> options, TimeProvider time, ILogger logger)
    : BackgroundService
{
    protected IServiceScopeFactory Scopes => scopes;
    protected TimeProvider Time => time;
    protected DeliveryOptions Options { get; } = options.Value.Delivery;

    /// <summary>Claims and processes one batch; returns how many items it took.</summary>
    public abstract Task<int> RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            if (db.Database.UsesSqlite())
                await QueueClaims.ReleaseAllAsync(db, table, time.GetUtcNow().ToUnixTimeMilliseconds(), stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) == 0) await signal.WaitAsync(Options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Processing {Table} failed; retrying shortly", table);
                await Task.Delay(Options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Claims up to <paramref name="limit"/> due items of this queue.</summary>
    protected Task<List<long>> ClaimAsync(FediLearnDbContext db, int limit, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return QueueClaims.ClaimAsync(db, table, limit, now.ToUnixTimeMilliseconds(), (now + Options.Lease).ToUnixTimeMilliseconds(), ct);
    }
}
