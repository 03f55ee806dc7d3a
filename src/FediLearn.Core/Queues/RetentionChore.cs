using FediLearn.Core.Data;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Queues;

/// <summary>What one retention pass deleted, per table (all zero when another process held the sweep).</summary>
public sealed record RetentionResult(int DeliveryJobs, int InboxItems, int FanoutJobs, bool Skipped = false, int RememberedDeletes = 0)
{
    public int Total => DeliveryJobs + InboxItems + FanoutJobs + RememberedDeletes;
}

/// <summary>
/// Deletes finished queue rows nobody needs any more (issue 7, storage): succeeded deliveries and fan-outs after
/// <c>Retention:FinishedJobs</c>, applied inbox items after <c>Retention:ProcessedInbox</c>, and Deletes that came before
/// their object once they expire (<see cref="Inbox.RememberedDeletes.Lifetime"/>). Pending, running, failed and
/// abandoned rows are never touched (the workers and admins need them). Each DELETE takes at most
/// <c>Retention:BatchSize</c> rows in its own statement, so a large backlog never holds SQLite's single write lock for
/// long; the pass loops until a batch comes back short.
/// <para>
/// Runs a minute after start, then once per <c>Retention:Interval</c>, in every process, like <see cref="PublishScheduler"/>. The DELETEs are idempotent,
/// so two passes can never delete a row that should stay; on PostgreSQL, where several app nodes share the database, a
/// pass first takes a session advisory lock with pg_try_advisory_lock and a node that does not get it skips its turn,
/// so one sweep runs at a time. (A transaction-scoped lock would need one transaction around every batch: the long
/// write the batches exist to avoid.) SQLite is one process (operations.md), so it needs no lock.
/// </para>
/// </summary>
public sealed class RetentionChore(IServiceScopeFactory scopes, IOptions<FediLearnOptions> options, TimeProvider time, ILogger<RetentionChore> logger)
    : BackgroundService
{
    /// <summary>pg_advisory_lock key of the sweep ("FL_RET"), distinct from the migration lock.</summary>
    internal const long PostgresLockKey = 0x46_4C_5F_52_45_54;

    private readonly RetentionOptions _options = options.Value.Retention;

    // Succeeded = 2 for delivery and fan-out jobs, Done = 2 for inbox items. The next_attempt_at bound lets the
    // (state, next_attempt_at) index of each queue find the rows; a finished row's next attempt was at or before it finished.
    private const string DeliverySql = """
        DELETE FROM delivery_jobs WHERE id IN (
            SELECT id FROM delivery_jobs WHERE state = 2 AND next_attempt_at < {0} AND completed_at < {0} LIMIT {1})
        """;

    private const string InboxSql = """
        DELETE FROM inbox_items WHERE id IN (
            SELECT id FROM inbox_items WHERE state = 2 AND next_attempt_at < {0} AND received_at < {0} LIMIT {1})
        """;

    // A members-only group's activities are not public, and their fan-out row is what marks "sent to all participants"
    // (ActorEndpoints: /activities/{key} and the outbox; FollowerService.RemoveAsync): those rows stay.
    private const string FanoutSql = """
        DELETE FROM fanout_jobs WHERE id IN (
            SELECT f.id FROM fanout_jobs f JOIN outbound_activities a ON a.id = f.activity_id
            WHERE f.state = 2 AND f.next_attempt_at < {0} AND a.is_public = {2} LIMIT {1})
        """;

    // Remembered Deletes older than RememberedDeletes.Lifetime: no longer read (RememberedDeletes.ArrivedFirstAsync).
    private const string RememberedDeletesSql = """
        DELETE FROM deleted_objects WHERE uri IN (
            SELECT uri FROM deleted_objects WHERE received_at <= {0} LIMIT {1})
        """;

    /// <summary>The first pass waits this long after start, so that it does not add to the work of starting up.</summary>
    private static readonly TimeSpan FirstPassDelay = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FirstPassDelay < _options.Interval ? FirstPassDelay : _options.Interval, time, stoppingToken);
        }
        catch (OperationCanceledException) { return; }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await RunOnceAsync(stoppingToken);
                if (result.Total > 0)
                    logger.LogInformation("Retention: deleted {Deliveries} delivered job(s), {Inbox} processed inbox item(s), {Fanouts} fan-out job(s), {Deletes} expired remembered Delete(s)",
                        result.DeliveryJobs, result.InboxItems, result.FanoutJobs, result.RememberedDeletes);
                await Task.Delay(_options.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Retention pass failed; trying again at the next interval");
                await Task.Delay(_options.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One pass over the three queues and the remembered Deletes at the current time of the node's <see cref="TimeProvider"/>.</summary>
    public async Task<RetentionResult> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var now = time.GetUtcNow();
        var jobsBefore = (now - _options.FinishedJobs).ToUnixTimeMilliseconds();
        var inboxBefore = (now - _options.ProcessedInbox).ToUnixTimeMilliseconds();
        var deletesBefore = (now - Inbox.RememberedDeletes.Lifetime).ToUnixTimeMilliseconds();
        if (!db.Database.UsesPostgres()) return await SweepAsync(db, jobsBefore, inboxBefore, deletesBefore, ct);

        // One connection for the pass: the advisory lock belongs to the session that took it.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var locked = await db.Database.SqlQueryRaw<bool>("SELECT pg_try_advisory_lock({0}) AS \"Value\"", PostgresLockKey).SingleAsync(ct);
            if (!locked) return new RetentionResult(0, 0, 0, Skipped: true);
            try
            {
                return await SweepAsync(db, jobsBefore, inboxBefore, deletesBefore, ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock({0})", [PostgresLockKey], CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<RetentionResult> SweepAsync(FediLearnDbContext db, long jobsBefore, long inboxBefore, long deletesBefore, CancellationToken ct)
    {
        object isPublic = db.Database.UsesPostgres() ? true : 1;
        var deliveries = await DeleteInBatchesAsync(db, DeliverySql, [jobsBefore, _options.BatchSize], ct);
        var inbox = await DeleteInBatchesAsync(db, InboxSql, [inboxBefore, _options.BatchSize], ct);
        var fanouts = await DeleteInBatchesAsync(db, FanoutSql, [jobsBefore, _options.BatchSize, isPublic], ct);
        var deletes = await DeleteInBatchesAsync(db, RememberedDeletesSql, [deletesBefore, _options.BatchSize], ct);
        return new RetentionResult(deliveries, inbox, fanouts, RememberedDeletes: deletes);
    }

    private static async Task<int> DeleteInBatchesAsync(FediLearnDbContext db, string sql, object[] parameters, CancellationToken ct)
    {
        var limit = (int)parameters[1];
        var total = 0;
        while (true)
        {
            int deleted;
            using (await SqliteWriteGate.EnterAsync(db, ct)) deleted = await db.Database.ExecuteSqlRawAsync(sql, parameters, ct);
            total += deleted;
            // Each statement is its own transaction: between batches the workers' writes get their turn.
            if (deleted < limit) return total;
        }
    }
}
