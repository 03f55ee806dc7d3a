using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Options;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// What an operator and a load balancer need (docs/operations.md): the client's real address and scheme behind a
/// reverse proxy, a health check that says whether this process can reach its database, and queue depths for a scraper.
/// </summary>
public static class OperationsEndpoints
{
    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto from a trusted proxy (loopback, or FediLearn:ReverseProxy:TrustedProxies)
    /// become the request's client address and scheme: rate limits by address then count the visitor, not the proxy.
    /// X-Forwarded-Host is not used: ids come from FediLearn:PublicUrl, and signatures are checked against the Host the
    /// sender signed, which the proxy must pass through unchanged.
    /// </summary>
    public static IServiceCollection AddFediLearnForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection($"{FediLearnOptions.SectionName}:ReverseProxy:TrustedProxies").Get<List<string>>() ?? [];
        return services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in proxies) // validated at start (FediLearnOptionsValidator)
            {
                if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
                else if (System.Net.IPNetwork.TryParse(proxy, out var network)) forwarded.KnownIPNetworks.Add(network);
            }
        });
    }

    public static void MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        // For a load balancer or systemd watchdog: 200 when this process answers and reaches its database, else 503.
        app.MapGet("/health", async (FediLearnDbContext db, ILoggerFactory logs, CancellationToken ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                if (await db.Database.CanConnectAsync(timeout.Token))
                    return Results.Json(new { status = "ok", database = "ok" });
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logs.CreateLogger("FediLearn.Health").LogWarning("Health check: the database does not answer ({Error})", e.Message);
            }
            return Results.Json(new { status = "unavailable", database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/metrics", async (HttpContext http, FediLearnDbContext db, IOptions<FediLearnOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            var token = options.Value.Metrics.Token;
            if (string.IsNullOrEmpty(token))
                return ErrorResponses.Json(404, "Metrics are off on this node: set FediLearn:Metrics:Token to turn them on.");
            var auth = http.Request.Headers.Authorization.ToString();
            var sent = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : "";
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token)))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return ErrorResponses.Json(401, "Send the metrics token as \"Authorization: Bearer <token>\" (FediLearn:Metrics:Token).");
            }
            var text = await RenderMetricsAsync(db, http.RequestServices.GetService<IdleMemoryTrimmer>(), http.RequestServices.GetService<DeliveryWorker>(), time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            return Results.Text(text, "text/plain; version=0.0.4; charset=utf-8");
        });
    }

    /// <summary>Prometheus text exposition: gauges read from the shared database, so every app node reports the same queue.</summary>
    internal static async Task<string> RenderMetricsAsync(FediLearnDbContext db, IdleMemoryTrimmer? trimmer, DeliveryWorker? delivery, long nowMs, CancellationToken ct)
    {
        var deliveries = await db.DeliveryJobs.AsNoTracking().GroupBy(j => j.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var inbox = await db.InboxItems.AsNoTracking().GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var due = db.DeliveryJobs.AsNoTracking().Where(j => j.State == DeliveryState.Pending && j.NextAttemptAt <= nowMs);
        var dueCount = await due.CountAsync(ct);
        var oldestDue = dueCount == 0 ? (long?)null : await due.MinAsync(j => (long?)j.NextAttemptAt, ct);
        var oldestInbox = await db.InboxItems.AsNoTracking().Where(i => i.State == InboxState.Pending).MinAsync(i => (long?)i.ReceivedAt, ct);
        var deadHosts = await db.RemoteHosts.AsNoTracking().CountAsync(h => h.Dead, ct);
        var groups = await db.LocalActors.AsNoTracking().CountAsync(a => a.Kind == ActorKind.Group, ct);
        var followers = await db.Followers.AsNoTracking().CountAsync(f => f.State == FollowState.Accepted, ct);
        var fanouts = await db.FanoutJobs.AsNoTracking().CountAsync(f => f.State == DeliveryState.Pending || f.State == DeliveryState.Running, ct);

        var text = new StringBuilder();
        Gauge(text, "fedilearn_delivery_jobs", "Delivery jobs (one activity to one inbox) by state.",
            Enum.GetValues<DeliveryState>().Select(s => ($"state=\"{s.ToString().ToLowerInvariant()}\"", (double)deliveries.GetValueOrDefault(s))));
        Gauge(text, "fedilearn_delivery_jobs_due", "Pending deliveries whose next attempt is due now: the backlog.", [("", dueCount)]);
        Gauge(text, "fedilearn_delivery_oldest_due_seconds", "How long the oldest due delivery has waited past its attempt time.",
            [("", oldestDue is { } d ? Math.Max(0, (nowMs - d) / 1000.0) : 0)]);
        Gauge(text, "fedilearn_fanout_jobs_pending", "Published activities still being expanded into delivery jobs.", [("", fanouts)]);
        Gauge(text, "fedilearn_inbox_items", "Received activities by state.",
            Enum.GetValues<InboxState>().Select(s => ($"state=\"{s.ToString().ToLowerInvariant()}\"", (double)inbox.GetValueOrDefault(s))));
        Gauge(text, "fedilearn_inbox_oldest_pending_seconds", "Age of the oldest received activity not yet applied.",
            [("", oldestInbox is { } r ? Math.Max(0, (nowMs - r) / 1000.0) : 0)]);
        Gauge(text, "fedilearn_remote_hosts_dead", "Remote hosts failing for longer than Delivery:DeadHostAfter, skipped until heard from.", [("", deadHosts)]);
        Gauge(text, "fedilearn_groups", "Learning groups on this node.", [("", groups)]);
        Gauge(text, "fedilearn_followers_accepted", "Accepted followers of local groups and members.", [("", followers)]);
        if (delivery is not null)
        {
            // Of this process: its delivery worker's side lane (slow servers' requests answered outside the sending slots).
            Counter(text, "fedilearn_delivery_requests_set_aside_total",
                "Deliveries this process moved out of the sending slots to wait for a slow server's answer on the side.", delivery.RequestsSetAside);
            Gauge(text, "fedilearn_delivery_slow_hosts", "Remote hosts this process remembers as slow: their deliveries wait on the side at once.",
                [("", delivery.SlowHostCount)]);
        }
        if (SqliteWriteGate.StatisticsOf(db) is { } writer)
        {
            // Counters of this process: rate(held) is the share of the time SQLite's one writer was busy with its writes.
            Counter(text, "fedilearn_sqlite_writes_total", "Writes (statements and transactions) of this process that took SQLite's one writer.", writer.Writes);
            Counter(text, "fedilearn_sqlite_writer_held_seconds_total", "Time this process's writes held SQLite's one writer: its rate is the share of the time the writer was busy.", writer.Held.TotalSeconds);
            Counter(text, "fedilearn_sqlite_writer_waited_seconds_total", "Time this process's writes waited for SQLite's one writer.", writer.Waited.TotalSeconds);
        }
        using var process = Process.GetCurrentProcess();
        Gauge(text, "process_resident_memory_bytes", "Resident memory of this app process.", [("", process.WorkingSet64)]);
        Gauge(text, "dotnet_gc_heap_bytes", "Managed heap size of this app process.", [("", GC.GetTotalMemory(false))]);
        Gauge(text, "dotnet_gc_committed_bytes", "Memory the garbage collector of this app process holds from the system (heap and spare).",
            [("", GC.GetGCMemoryInfo().TotalCommittedBytes)]);
        // The runtime's own counters, named as OpenTelemetry's .NET runtime metrics are in Prometheus: how much the process
        // allocates and how long its collections stop it (the inbox benchmark reads them around each pass).
        Counter(text, "dotnet_gc_heap_total_allocated_bytes_total", "Bytes this app process has allocated on the managed heap since it started.",
            GC.GetTotalAllocatedBytes());
        Counter(text, "dotnet_gc_pause_time_seconds_total", "Time this app process was paused for garbage collections since it started.",
            GC.GetTotalPauseDuration().TotalSeconds);
        Metric(text, "counter", "dotnet_gc_collections_total", "Garbage collections of this app process since it started, by the generation collected.",
            GcCollections.Read().Select((count, g) => ($"gc_heap_generation=\"gen{g}\"", (double)count)), "0");
        if (trimmer is not null)
            Counter(text, "fedilearn_memory_trims_total", "Aggressive collections that gave the GC's spare memory back (one at start, then one per idle spell, Memory:IdleTrimAfter).", trimmer.Trims);
        Gauge(text, "process_start_time_seconds", "Start time of this app process, Unix seconds.",
            [("", new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0)]);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, IEnumerable<(string Labels, double Value)> samples) =>
        Metric(text, "gauge", name, help, samples, "0.###");

    private static void Counter(StringBuilder text, string name, string help, double value) =>
        Metric(text, "counter", name, help, [("", value)], "0.######");

    private static void Metric(StringBuilder text, string type, string name, string help, IEnumerable<(string Labels, double Value)> samples, string format)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in samples)
            text.Append(name).Append(labels.Length > 0 ? "{" + labels + "}" : "").Append(' ')
                .Append(value.ToString(format, CultureInfo.InvariantCulture)).Append('\n');
    }
}

/// <summary>
/// Collections of this process by the generation collected, for a counter that never goes down. The runtime counts a
/// collection of generation g in every younger generation's count too, so the collections of exactly g are
/// <c>count(g) - count(g + 1)</c>; but the counts are read one after another, and a collection between two reads made
/// that difference one too high on one scrape and right on the next: a dip, which Prometheus reads as a counter reset.
/// Reading the youngest first keeps each difference at or below its true value, and the highest value reported so far
/// keeps it from falling back.
/// </summary>
internal sealed class GcCollections(Func<int, int> count, int maxGeneration)
{
    private static readonly GcCollections OfThisProcess = new(GC.CollectionCount, GC.MaxGeneration);
    private readonly long[] _reported = new long[maxGeneration + 1];
    private readonly Lock _lock = new();

    public static long[] Read() => OfThisProcess.Next();

    public long[] Next()
    {
        var counts = new long[_reported.Length];
        for (var g = 0; g < counts.Length; g++) counts[g] = count(g); // youngest first: a later read only sees more
        lock (_lock)
        {
            for (var g = 0; g < counts.Length; g++)
                _reported[g] = Math.Max(_reported[g], counts[g] - (g < counts.Length - 1 ? counts[g + 1] : 0));
            return (long[])_reported.Clone();
        }
    }
}

