using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Queues;

/// <summary>
/// Atomic claims of due jobs in one statement (UPDATE … RETURNING): a job is taken by exactly one worker.
/// A claimed job whose lease ran out (its worker died) is due again. State 0 = pending, 1 = running in both queues.
/// SQLite serialises writers, so a plain sub-select suffices. On PostgreSQL several app nodes claim from one queue at
/// once: the due rows are locked with FOR UPDATE SKIP LOCKED, so a claimer passes over rows another one is taking
/// instead of waiting for it (and then finding them gone). The locking select sits in a CTE, which PostgreSQL never
/// inlines, so it runs exactly once and LIMIT bounds the batch.
/// </summary>
internal static class QueueClaims
{
    private static readonly HashSet<string> Tables = ["delivery_jobs", "inbox_items", "fanout_jobs"];

    public static async Task<List<long>> ClaimAsync(FediLearnDbContext db, string table, int limit, long now, long leaseUntil, CancellationToken ct)
    {
        var sql = db.Database.IsNpgsql() ? PostgresClaimSql(table) : SqliteClaimSql(table);
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        return await db.Database.SqlQueryRaw<long>(Checked(table, sql), leaseUntil, now, limit).ToListAsync(ct);
    }

    private static string SqliteClaimSql(string table) => $$"""
            UPDATE {{table}} SET state = 1, locked_until = {0}, attempts = attempts + 1
            WHERE id IN (SELECT id FROM {{table}}
                         WHERE (state = 0 AND next_attempt_at <= {1}) OR (state = 1 AND locked_until < {1})
                         ORDER BY next_attempt_at, id LIMIT {2})
            RETURNING id AS "Value"
            """;

    private static string PostgresClaimSql(string table) => $$"""
            WITH due AS (SELECT id FROM {{table}}
                         WHERE (state = 0 AND next_attempt_at <= {1}) OR (state = 1 AND locked_until < {1})
                         ORDER BY next_attempt_at, id LIMIT {2}
                         FOR UPDATE SKIP LOCKED)
            UPDATE {{table}} SET state = 1, locked_until = {0}, attempts = attempts + 1
            FROM due WHERE {{table}}.id = due.id
            RETURNING {{table}}.id AS "Value"
            """;

    /// <summary>On a single-process SQLite node every running job at start-up was cut off by a crash or restart: make it due now.</summary>
    public static Task<int> ReleaseAllAsync(FediLearnDbContext db, string table, long now, CancellationToken ct)
    {
        var sql = $"UPDATE {table} SET state = 0, locked_until = NULL, next_attempt_at = {{0}} WHERE state = 1";
        return db.Database.ExecuteSqlRawAsync(Checked(table, sql), [now], ct);
    }

    /// <summary>Table names are spliced into the SQL text, so only the queue tables are allowed.</summary>
    private static string Checked(string table, string sql) =>
        Tables.Contains(table) ? sql : throw new ArgumentException($"not a queue table: {table}", nameof(table));
}
