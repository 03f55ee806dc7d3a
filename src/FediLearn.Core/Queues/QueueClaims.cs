using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Queues;

/// <summary>
/// Atomic claims of due jobs in one statement (UPDATE … RETURNING): a job is taken by exactly one worker.
/// A claimed job whose lease ran out (its worker died) is due again. State 0 = pending, 1 = running in both queues.
/// SQLite serialises writers, so a plain sub-select suffices. On PostgreSQL several app nodes claim from one queue at
/// once: the due rows are locked with FOR UPDATE SKIP LOCKED, so a claimer passes over rows another one is taking
/// instead of waiting for it (and then finding them gone). The locking select sits in a CTE, which PostgreSQL never
/// inlines, so it runs exactly once and LIMIT bounds the batch. The due jobs and the jobs whose lease ran out are
/// taken as two ordered, limited selects and merged: written as one <c>WHERE (…) OR (…)</c>, both databases read every
/// due row and sorted them all for each claim, hundreds of times per fan-out (measured: SQLite 11 ms a claim with 60,000
/// jobs due, under its one writer; PostgreSQL 5.9 ms with 10,000; docs/performance.md, fan-out). Each select reads the (state, next_attempt_at) index in
/// order and stops at LIMIT: SQLite's index entries end with the rowid, which is the id; PostgreSQL's index has the id
/// as its last column (migration 0014). On PostgreSQL each select locks at most LIMIT rows; those the merge leaves out
/// stay locked only until the statement ends, and other claimers skip them meanwhile.
/// </summary>
internal static class QueueClaims
{
    private static readonly HashSet<string> Tables = ["delivery_jobs", "inbox_items", "fanout_jobs"];

    public static async Task<List<long>> ClaimAsync(FediLearnDbContext db, string table, int limit, long now, long leaseUntil, CancellationToken ct)
    {
        var postgres = db.Database.UsesPostgres();
        var sql = ClaimSql(table, postgres, postgres ? $"{table}.id AS \"Value\"" : "id AS \"Value\"");
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        return await db.Database.SqlQueryRaw<long>(Checked(table, sql), leaseUntil, now, limit).ToListAsync(ct);
    }

    private static readonly string SqliteDeliveryClaim = ClaimSql("delivery_jobs", postgres: false,
        "id AS \"Id\", activity_id AS \"ActivityId\", inbox AS \"Inbox\", host AS \"Host\", attempts AS \"Attempts\"");

    private static readonly string PostgresDeliveryClaim = ClaimSql("delivery_jobs", postgres: true,
        "delivery_jobs.id AS \"Id\", delivery_jobs.activity_id AS \"ActivityId\", delivery_jobs.inbox AS \"Inbox\", delivery_jobs.host AS \"Host\", delivery_jobs.attempts AS \"Attempts\"");

    /// <summary>
    /// Claims due deliveries like <see cref="ClaimAsync"/> and returns what sending them needs in the same statement:
    /// the sender's hot loop then costs one round trip per claim instead of a claim plus a look-up of the claimed rows.
    /// </summary>
    public static async Task<List<ClaimedDelivery>> ClaimDeliveriesAsync(FediLearnDbContext db, int limit, long now, long leaseUntil, CancellationToken ct)
    {
        var sql = db.Database.UsesPostgres() ? PostgresDeliveryClaim : SqliteDeliveryClaim;
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        return await db.Database.SqlQueryRaw<ClaimedDelivery>(sql, leaseUntil, now, limit).ToListAsync(ct);
    }

    internal static string ClaimSql(string table, bool postgres, string returning) => postgres
        ? $$"""
            WITH due AS (SELECT id, next_attempt_at FROM {{table}}
                         WHERE state = 0 AND next_attempt_at <= {1}
                         ORDER BY next_attempt_at, id LIMIT {2}
                         FOR UPDATE SKIP LOCKED),
                 stale AS (SELECT id, next_attempt_at FROM {{table}}
                           WHERE state = 1 AND locked_until < {1}
                           ORDER BY next_attempt_at, id LIMIT {2}
                           FOR UPDATE SKIP LOCKED),
                 picked AS (SELECT id FROM (SELECT id, next_attempt_at FROM due UNION ALL SELECT id, next_attempt_at FROM stale) both_kinds
                            ORDER BY next_attempt_at, id LIMIT {2})
            UPDATE {{table}} SET state = 1, locked_until = {0}, attempts = attempts + 1
            FROM picked WHERE {{table}}.id = picked.id
            RETURNING {{returning}}
            """
        : $$"""
            UPDATE {{table}} SET state = 1, locked_until = {0}, attempts = attempts + 1
            WHERE id IN (SELECT id FROM (SELECT id, next_attempt_at FROM (SELECT id, next_attempt_at FROM {{table}}
                                                                         WHERE state = 0 AND next_attempt_at <= {1}
                                                                         ORDER BY next_attempt_at, id LIMIT {2})
                                         UNION ALL
                                         SELECT id, next_attempt_at FROM (SELECT id, next_attempt_at FROM {{table}}
                                                                         WHERE state = 1 AND locked_until < {1}
                                                                         ORDER BY next_attempt_at, id LIMIT {2}))
                         ORDER BY next_attempt_at, id LIMIT {2})
            RETURNING {{returning}}
            """;

    /// <summary>
    /// Marks delivered jobs succeeded in one statement. The ids go in as one parameter (a JSON array on SQLite, an array
    /// on PostgreSQL), so the statement text is the same for every batch size and is not parsed anew for each.
    /// </summary>
    public static async Task<int> CompleteDeliveriesAsync(FediLearnDbContext db, IReadOnlyCollection<long> ids, int status, long now, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        var postgres = db.Database.UsesPostgres();
        var sql = $"""
            UPDATE delivery_jobs SET state = 2, locked_until = NULL, last_status = {"{0}"}, last_error = NULL, completed_at = {"{1}"}
            WHERE id {(postgres ? "= ANY({2})" : "IN (SELECT value FROM json_each({2}))")}
            """;
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        return await db.Database.ExecuteSqlRawAsync(sql, [status, now, postgres ? ids.ToArray() : "[" + string.Join(',', ids) + "]"], ct);
    }

    /// <summary>
    /// Records that these hosts answered: their row is created if missing (another process may be creating it at the
    /// same moment, hence the upsert), and they stop counting as failing or dead.
    /// </summary>
    public static Task MarkHostsAliveAsync(FediLearnDbContext db, IEnumerable<string> hosts, long now, CancellationToken ct) =>
        UpsertHostsAsync(db, hosts, "dead, last_success_at", "FALSE, {1}",
            "failing_since = NULL, last_success_at = excluded.last_success_at, dead = FALSE", [now], ct);

    /// <summary>
    /// Inserts a row for each host (parameter {0}), or updates the one there: hosts sorted, so that concurrent writers on
    /// PostgreSQL lock rows in one order. <paramref name="values"/> and <paramref name="onConflict"/> may use the
    /// parameters {1}… given in <paramref name="more"/>.
    /// </summary>
    private static async Task UpsertHostsAsync(FediLearnDbContext db, IEnumerable<string> hosts, string columns, string values, string onConflict,
        object[] more, CancellationToken ct)
    {
        var sorted = hosts.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length == 0) return;
        var postgres = db.Database.UsesPostgres();
        // SQLite needs the WHERE to tell the upsert's ON from a join's.
        var rows = postgres ? "h, " + values + " FROM unnest({0}) WITH ORDINALITY AS t(h, n) ORDER BY n" : "value, " + values + " FROM json_each({0}) WHERE true ORDER BY key";
        var sql = $"INSERT INTO remote_hosts (host, {columns}) SELECT {rows} ON CONFLICT (host) DO UPDATE SET {onConflict}";
        object list = postgres ? sorted : System.Text.Json.JsonSerializer.Serialize(sorted);
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync(sql, [list, .. more], ct);
    }

    /// <summary>
    /// Records outcomes other than a plain 2xx (a retry, a final failure, a job given back unsent) in one statement: each
    /// row's new values go in as one JSON parameter, so no row is loaded or tracked. A job given back (<see
    /// cref="JobOutcome.Postponed"/>) gets its claim's attempt back and keeps its last status and error. Before this, EF
    /// loaded and tracked every such row and its host: a fan-out with refusing and slow peers spent ~7 % of its CPU
    /// there (docs/performance.md, slow peers).
    /// </summary>
    public static async Task RecordOutcomesAsync(FediLearnDbContext db, IReadOnlyCollection<JobOutcome> outcomes, CancellationToken ct)
    {
        if (outcomes.Count == 0) return;
        var postgres = db.Database.UsesPostgres();
        var sql = postgres
            ? """
              UPDATE delivery_jobs AS d SET state = r.state, locked_until = NULL,
                  attempts = CASE WHEN r.postponed THEN greatest(0, d.attempts - 1) ELSE d.attempts END,
                  last_status = CASE WHEN r.postponed THEN d.last_status ELSE r.status END,
                  last_error = CASE WHEN r.postponed THEN d.last_error ELSE r.error END,
                  next_attempt_at = COALESCE(r.next, d.next_attempt_at),
                  completed_at = COALESCE(r.completed, d.completed_at)
              FROM jsonb_to_recordset({0}::jsonb) AS r(id bigint, state integer, status integer, error text, next bigint, completed bigint, postponed boolean)
              WHERE d.id = r.id
              """
            : """
              UPDATE delivery_jobs SET state = r.state, locked_until = NULL,
                  attempts = CASE WHEN r.postponed THEN max(0, delivery_jobs.attempts - 1) ELSE delivery_jobs.attempts END,
                  last_status = CASE WHEN r.postponed THEN delivery_jobs.last_status ELSE r.status END,
                  last_error = CASE WHEN r.postponed THEN delivery_jobs.last_error ELSE r.error END,
                  next_attempt_at = COALESCE(r.next, delivery_jobs.next_attempt_at),
                  completed_at = COALESCE(r.completed, delivery_jobs.completed_at)
              FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.state') AS state, json_extract(value, '$.status') AS status,
                           json_extract(value, '$.error') AS error, json_extract(value, '$.next') AS next,
                           json_extract(value, '$.completed') AS completed, json_extract(value, '$.postponed') AS postponed
                    FROM json_each({0})) AS r
              WHERE delivery_jobs.id = r.id
              """;
        var json = System.Text.Json.JsonSerializer.Serialize(outcomes.Select(o => new Dictionary<string, object?>
        {
            ["id"] = o.Id, ["state"] = (int)o.State, ["status"] = o.Status, ["error"] = o.Error,
            ["next"] = o.NextAttemptAt, ["completed"] = o.CompletedAt, ["postponed"] = o.Postponed,
        }));
        using var gate = await SqliteWriteGate.EnterAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync(sql, [json], ct);
    }

    /// <summary>
    /// Records that these hosts failed (a network error or a 5xx): a row is created for a host not seen before; a host
    /// failing since longer than <paramref name="deadAfterMs"/> is marked dead (and stays so until it answers).
    /// </summary>
    public static Task MarkHostsFailingAsync(FediLearnDbContext db, IEnumerable<string> hosts, long now, long deadAfterMs, CancellationToken ct) =>
        UpsertHostsAsync(db, hosts, "dead, failing_since, last_failure_at", "{2} <= 0, {1}, {1}",
            "failing_since = COALESCE(remote_hosts.failing_since, excluded.failing_since), last_failure_at = excluded.last_failure_at, " +
            "dead = remote_hosts.dead OR {1} - COALESCE(remote_hosts.failing_since, {1}) >= {2}", [now, deadAfterMs], ct);

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

/// <summary>
/// A job's recorded outcome for <see cref="QueueClaims.RecordOutcomesAsync"/>: its new state, status and error; when to
/// try again (null: unchanged) and when it ended (null: unchanged); or, when <see cref="Postponed"/>, given back unsent.
/// </summary>
internal sealed record JobOutcome(long Id, Data.Entities.DeliveryState State, int? Status, string? Error, long? NextAttemptAt, long? CompletedAt, bool Postponed);

/// <summary>A delivery job as claimed: the columns sending it needs.</summary>
internal sealed class ClaimedDelivery
{
    public long Id { get; set; }
    public long ActivityId { get; set; }
    public string Inbox { get; set; } = "";
    public string Host { get; set; } = "";
    public int Attempts { get; set; }
}
