using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
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
/// Sends queued deliveries as a pipeline: a claimer keeps up to <c>Concurrency</c> jobs in flight, senders sign each POST
/// at send time (in the HTTP pipeline), and one recorder writes outcomes in batches — success, a retry with backoff, a
/// final failure, or a dead host. One writer keeps SQLite free of lock contention; first contacts with a host insert its
/// remote_hosts row unless another process already did. State lives only in the database, so a restart loses nothing (claimed jobs are released or their lease
/// runs out).
/// <para>
/// Slow servers do not keep the others waiting (performance.md, "Fan-out with slow peers"). A request still unanswered
/// after several times the usual response time (<see cref="SlowRequests"/>) leaves its sending slot and finishes on the
/// side, so that slot sends to the next host; its host keeps the request counted against
/// <see cref="DeliveryOptions.PerHostConcurrency"/> until it answers, and it is remembered as slow (<see cref="SlowHosts"/>):
/// its next requests go there at once, so each fan-out does not find its slow hosts out again, until one of its answers
/// comes within the bar. At most <see cref="MaxAside"/> requests wait on the side. Before this, ten
/// hosts answering after 2 s took all sixteen slots between them and a fan-out's healthy followers waited for them
/// (0.03-0.05 of the all-healthy rate).
/// </para>
/// </summary>
public sealed class DeliveryWorker(
    IServiceScopeFactory scopes, FederationHttp http, LocalKeyStore keys, DeliverySignal signal,
    IOptions<FediLearnOptions> options, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private const int RecordBatch = 200;
    private static readonly TimeSpan RecordLinger = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan DeadHostRefresh = TimeSpan.FromSeconds(10);

    private readonly DeliveryOptions _options = options.Value.Delivery;
    private readonly ActivityCache _activities = new();
    private HashSet<string> _deadHosts = [];
    private DateTimeOffset _deadHostsLoadedAt = DateTimeOffset.MinValue;
    private int _inFlight;

    // Jobs this process has claimed and not yet recorded or given up (see MaxHeld).
    private int _held;

    private sealed record Work(long Id, long ActivityId, string Inbox, string Host, int Attempts);

    /// <summary>What happened to a job; <c>Postponed</c>: not sent because its host already had its share of the slots.</summary>
    private sealed record Outcome(Work Job, int? Status, string? Error, TimeSpan? RetryAfter, bool HostDead, bool Postponed = false);

    /// <summary>How long a claimed job may wait in memory for a slot of its host before it goes back to the queue.</summary>
    private static readonly TimeSpan DeferLimit = TimeSpan.FromSeconds(2);

    /// <summary>How often waiting jobs are looked at when nothing else wakes the claimer.</summary>
    private static readonly TimeSpan DeferredPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a job given back for its busy host waits in the queue before it is claimed again.</summary>
    private static readonly TimeSpan PostponeDelay = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, int> _hostInFlight = new();

    // Requests moved out of the sending slots because their server is slow (SendLoopAsync), and the tasks finishing them
    // (awaited at shutdown, before the outcomes channel closes).
    private readonly ConcurrentDictionary<long, Task> _asideTasks = new();
    private readonly SlowRequests _slow = new();
    private readonly SlowHosts _slowHosts = new(time);
    private readonly UnreachableHosts _unreachable = new(time, options.Value.Delivery.RetryBaseDelay);
    private int _aside;
    private long _setAside;

    /// <summary>Requests this process has moved to the side lane since it started (<c>/metrics</c>).</summary>
    public long RequestsSetAside => Interlocked.Read(ref _setAside);

    /// <summary>Hosts this process remembers as slow now (<c>/metrics</c>).</summary>
    public int SlowHostCount => _slowHosts.Count;

    /// <summary>Requests that may wait on the side at once; beyond that a slow request keeps its slot, as before.</summary>
    private int MaxAside => _options.Concurrency * 4;

    /// <summary>
    /// Claimed jobs this process may hold at once: in the sending slots and the channel (2 × Concurrency), waiting for
    /// their host (up to 8 ×), on the side lane (up to 4 ×), and sent but not yet recorded. A held job is still claimed:
    /// a crash sends it again, and one held past its lease is claimed by another process and sent twice. Without this
    /// bound a database slower than the network (a stalled commit, a locked row) let the senders run on through the whole
    /// queue with nothing recorded; a process killed mid-fan-out on a loaded machine held 80 jobs at Concurrency 4.
    /// </summary>
    private int MaxHeld => _options.Concurrency * HeldPerSendingSlot;

    /// <summary><see cref="MaxHeld"/> per unit of <see cref="DeliveryOptions.Concurrency"/>.</summary>
    public const int HeldPerSendingSlot = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        var work = Channel.CreateBounded<Work>(_options.Concurrency);
        var outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
        var senders = Enumerable.Range(0, _options.Concurrency).Select(_ => SendLoopAsync(work.Reader, outcomes.Writer, stoppingToken)).ToList();
        var recorder = RecordLoopAsync(outcomes.Reader);
        try
        {
            await ClaimLoopAsync(work.Writer, outcomes.Writer, stoppingToken);
        }
        finally
        {
            work.Writer.TryComplete();
            await Task.WhenAll(senders).ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.WhenAll(_asideTasks.Values).ContinueWith(_ => { }, TaskScheduler.Default);
            outcomes.Writer.TryComplete();
            await recorder.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        if (!db.Database.UsesSqlite()) return; // several processes share a PostgreSQL queue: leases handle recovery there
        var released = await QueueClaims.ReleaseAllAsync(db, "delivery_jobs", time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
        if (released > 0) logger.LogInformation("Recovered {Count} deliveries interrupted by the last shutdown", released);
    }

    /// <summary>
    /// Claims as many due jobs as there are free sending slots; sleeps until signalled or the poll interval when there are
    /// none. A claimed job whose host already has its <see cref="DeliveryOptions.PerHostConcurrency"/> in flight waits
    /// here, in memory, for one of them to finish (usually milliseconds); only one still waiting after
    /// <see cref="DeferLimit"/> (a slow or hanging host) goes back to the queue for <see cref="PostponeDelay"/>. Waiting
    /// jobs do not hold sending slots, so other hosts' jobs are claimed and sent meanwhile.
    /// </summary>
    private async Task ClaimLoopAsync(ChannelWriter<Work> work, ChannelWriter<Outcome> outcomes, CancellationToken ct)
    {
        var deferred = new List<(Work Job, long Since)>();
        // Room for every slow host's jobs beyond its share (ten slow hosts with ten followers each leave sixty here):
        // claims stop while the list is full, and a shorter one kept the other hosts' jobs in the queue behind them.
        var maxDeferred = _options.Concurrency * 8;
        long nextClaimAt = 0; // while jobs wait here, an empty queue is asked again only after PollInterval or a Notify
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await DispatchDeferredAsync(deferred, work, outcomes, ct);
                // Claims wait until the jobs handed out are down to one per sender (a sender that finishes takes a
                // waiting job at once), then take a whole batch: one claim statement per ~Concurrency deliveries
                // instead of one per finished delivery. Senders signal when in-flight work falls to that level.
                // Claims also wait while the jobs held (MaxHeld) leave less than a batch of room: the recorder, which
                // signals when it has made room, is behind.
                var free = Math.Min(_options.Concurrency * 2 - Volatile.Read(ref _inFlight), MaxHeld - Volatile.Read(ref _held));
                var mayClaim = free >= _options.Concurrency && deferred.Count < maxDeferred && Environment.TickCount64 >= nextClaimAt;
                var claimed = mayClaim ? await ClaimAsync(free, ct) : [];
                Interlocked.Add(ref _held, claimed.Count);
                if (mayClaim && claimed.Count == 0 && deferred.Count > 0)
                    nextClaimAt = Environment.TickCount64 + (long)_options.PollInterval.TotalMilliseconds;
                foreach (var job in claimed)
                {
                    if (!TryTakeHostSlot(job.Host))
                    {
                        deferred.Add((job, Environment.TickCount64));
                        continue;
                    }
                    Interlocked.Increment(ref _inFlight);
                    await work.WriteAsync(job, ct);
                }
                if (claimed.Count == 0)
                {
                    var wait = deferred.Count > 0 ? DeferredPoll : free >= _options.Concurrency ? _options.PollInterval : TimeSpan.FromMilliseconds(50);
                    if (await signal.Signal.WaitAsync(wait, ct)) nextClaimAt = 0;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Claiming deliveries failed; retrying shortly");
                await Task.Delay(_options.PollInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Stopping: jobs still waiting go back to the queue now rather than when their lease runs out.
        foreach (var (job, _) in deferred) outcomes.TryWrite(new Outcome(job, null, null, null, HostDead: false, Postponed: true));
    }

    /// <summary>Sends waiting jobs whose host has a free slot now, oldest first; gives back those that waited too long.</summary>
    private async Task DispatchDeferredAsync(List<(Work Job, long Since)> deferred, ChannelWriter<Work> work, ChannelWriter<Outcome> outcomes, CancellationToken ct)
    {
        if (deferred.Count == 0) return;
        var now = Environment.TickCount64;
        var kept = 0;
        for (var i = 0; i < deferred.Count; i++)
        {
            var (job, since) = deferred[i];
            if (Volatile.Read(ref _inFlight) < _options.Concurrency * 2 && TryTakeHostSlot(job.Host))
            {
                Interlocked.Increment(ref _inFlight);
                await work.WriteAsync(job, ct);
            }
            else if (now - since >= (long)DeferLimit.TotalMilliseconds)
            {
                await outcomes.WriteAsync(new Outcome(job, null, null, null, HostDead: false, Postponed: true), ct);
            }
            else
            {
                deferred[kept++] = deferred[i];
            }
        }
        deferred.RemoveRange(kept, deferred.Count - kept);
    }

    private async Task<List<Work>> ClaimAsync(int limit, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var now = time.GetUtcNow();
        var claimed = await QueueClaims.ClaimDeliveriesAsync(db, limit, now.ToUnixTimeMilliseconds(), (now + _options.Lease).ToUnixTimeMilliseconds(), ct);
        if (claimed.Count == 0) return [];
        await RefreshDeadHostsAsync(db, ct);
        var work = new List<Work>(claimed.Count);
        foreach (var c in claimed)
            work.Add(new Work(c.Id, c.ActivityId, c.Inbox, c.Host, c.Attempts));
        return work;
    }

    private async Task SendLoopAsync(ChannelReader<Work> work, ChannelWriter<Outcome> outcomes, CancellationToken ct)
    {
        await foreach (var job in work.ReadAllAsync(CancellationToken.None))
        {
            if (ct.IsCancellationRequested) // lease expiry / start-up recovery retries it
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Decrement(ref _held);
                ReleaseHostSlot(job.Host);
                continue;
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var delivery = DeliverOrFailAsync(job, ct);
            // A host remembered as slow (a request of it went past the bar, and none has been answered within it since)
            // is slow now: its request goes to the side at once, not after the wait. Whether the host still has a request
            // on the side does not count: a host that answers promptly again is taken for fast at once, even while an
            // older request of it is still out (before, with steady traffic such a host could stay on the side lane).
            var knownSlow = _slowHosts.IsSlow(job.Host);
            if (!delivery.IsCompleted && await IsSlowAsync(delivery, knownSlow ? TimeSpan.Zero : _slow.SlowAfter))
            {
                if (!knownSlow) _slowHosts.Slow(job.Host);
                if (TryMoveAside(job, delivery, started, outcomes)) continue;
            }
            try
            {
                await RecordAnswerAsync(delivery, started, outcomes);
            }
            finally
            {
                ReleaseHostSlot(job.Host);
                ReleaseSendingSlot();
            }
        }
    }

    /// <summary>Whether the request is still unanswered after <paramref name="slowAfter"/>.</summary>
    private async Task<bool> IsSlowAsync(Task<Outcome?> delivery, TimeSpan slowAfter)
    {
        if (Volatile.Read(ref _aside) >= MaxAside) return false;
        try
        {
            await delivery.WaitAsync(slowAfter);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>
    /// Lets the request finish on the side: its sending slot goes to the next job now, its host's slot when it is
    /// answered. False when <see cref="MaxAside"/> requests wait already.
    /// </summary>
    private bool TryMoveAside(Work job, Task<Outcome?> delivery, long started, ChannelWriter<Outcome> outcomes)
    {
        if (Interlocked.Increment(ref _aside) > MaxAside)
        {
            Interlocked.Decrement(ref _aside);
            return false;
        }
        Interlocked.Increment(ref _setAside);
        var finishing = FinishAsideAsync(job, delivery, started, outcomes);
        _asideTasks[job.Id] = finishing;
        if (finishing.IsCompleted) _asideTasks.TryRemove(job.Id, out _); // answered meanwhile: its own removal came first
        ReleaseSendingSlot();
        return true;
    }

    private async Task FinishAsideAsync(Work job, Task<Outcome?> delivery, long started, ChannelWriter<Outcome> outcomes)
    {
        try
        {
            await RecordAnswerAsync(delivery, started, outcomes);
        }
        finally
        {
            ReleaseHostSlot(job.Host);
            Interlocked.Decrement(ref _aside);
            _asideTasks.TryRemove(job.Id, out _);
        }
    }

    /// <summary>Hands the finished delivery's outcome to the recorder; an answer's time also feeds the slow bar and says whether its host is slow.</summary>
    private async Task RecordAnswerAsync(Task<Outcome?> delivery, long started, ChannelWriter<Outcome> outcomes)
    {
        var outcome = await delivery;
        if (outcome is { Status: not null })
        {
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            _slowHosts.Answered(outcome.Job.Host, elapsed, _slow.SlowAfter);
            _slow.Add(elapsed);
        }
        if (outcome is not null) await outcomes.WriteAsync(outcome, CancellationToken.None);
        else Interlocked.Decrement(ref _held); // stopping: not sent, left to its lease or the start-up recovery
    }

    private void ReleaseHostSlot(string host) => _hostInFlight.AddOrUpdate(host, 0, (_, n) => Math.Max(0, n - 1));

    // Exactly at the crossing, so the claimer is woken once per batch, not once per delivery.
    private void ReleaseSendingSlot()
    {
        if (Interlocked.Decrement(ref _inFlight) == _options.Concurrency) signal.Signal.Notify();
    }

    /// <summary><see cref="DeliverAsync"/>, with an unexpected exception turned into a failed outcome (retried later).</summary>
    private async Task<Outcome?> DeliverOrFailAsync(Work job, CancellationToken ct)
    {
        try
        {
            return await DeliverAsync(job, ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Delivery {Id} failed unexpectedly", job.Id);
            return new Outcome(job, null, e.Message, null, false);
        }
    }

    /// <summary>One more delivery to this host, unless it already has its share of the sending slots.</summary>
    private bool TryTakeHostSlot(string host)
    {
        var cap = _options.PerHostConcurrency;
        if (cap <= 0)
        {
            _hostInFlight.AddOrUpdate(host, 1, (_, n) => n + 1);
            return true;
        }
        while (true)
        {
            var current = _hostInFlight.GetOrAdd(host, 0);
            if (current >= cap) return false;
            if (_hostInFlight.TryUpdate(host, current + 1, current)) return true;
        }
    }

    private async Task<Outcome?> DeliverAsync(Work job, CancellationToken ct)
    {
        if (_deadHosts.Contains(job.Host)) return new Outcome(job, null, null, null, HostDead: true);
        if (_unreachable.WhyNotNow(job.Host) is { } notNow) return new Outcome(job, null, notNow, null, false);
        try
        {
            var (actorId, body) = await _activities.GetAsync(job.ActivityId, scopes, ct);
            var key = await keys.GetAsync(actorId, ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, job.Inbox) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
            request.Options.Set(SigningHandler.KeyOption, key);
            using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            _unreachable.Answered(job.Host);
            var status = (int)response.StatusCode;
            return new Outcome(job, status, response.IsSuccessStatusCode ? null : $"HTTP {status} {response.ReasonPhrase}", RetryAfter(response), false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return null; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            if (UnreachableHosts.IsConnectFailure(e)) _unreachable.Failed(job.Host, e.Message);
            return new Outcome(job, null, e is TaskCanceledException ? "timed out" : e.Message, null, false);
        }
    }

    /// <summary>The single writer: drains whatever outcomes are waiting (up to a batch) and records them in one transaction.</summary>
    private async Task RecordLoopAsync(ChannelReader<Outcome> outcomes)
    {
        var batch = new List<Outcome>(RecordBatch);
        while (await outcomes.WaitToReadAsync())
        {
            while (batch.Count < RecordBatch && outcomes.TryRead(out var outcome)) batch.Add(outcome);
            if (batch.Count < RecordBatch / 4)
            {
                // Outcomes arrive one per finished delivery: waiting a moment lets a few more join this batch, so a
                // statement and a commit are shared by several jobs. Senders do not wait for this (their slot is
                // already free), and a crash meanwhile only means those jobs are sent again after their lease.
                await Task.Delay(RecordLinger);
                while (batch.Count < RecordBatch && outcomes.TryRead(out var outcome)) batch.Add(outcome);
            }
            try
            {
                await RecordAsync(batch);
            }
            catch (Exception e)
            {
                // Unrecorded jobs stay claimed; their lease runs out and they are sent again (at least once, never lost).
                logger.LogError(e, "Recording {Count} delivery outcomes failed", batch.Count);
            }
            // Claims held back by MaxHeld wait for this: wake the claimer once a batch fits again.
            var left = Interlocked.Add(ref _held, -batch.Count);
            var resumeAt = MaxHeld - _options.Concurrency;
            if (left <= resumeAt && left + batch.Count > resumeAt) signal.Signal.Notify();
            batch.Clear();
        }
    }

    private async Task RecordAsync(List<Outcome> batch)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        // The common case, a 2xx, needs nothing from the row: set-based statements record those (one per status, plus one
        // for their hosts) without loading or tracking anything. Everything else is decided from what the claim returned
        // and written set-based too (RecordOthersAsync).
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var delivered = new List<Outcome>(batch.Count);
        var others = new List<Outcome>();
        foreach (var o in batch) (o is { Status: >= 200 and < 300, HostDead: false, Postponed: false } ? delivered : others).Add(o);
        if (delivered.Count > 0)
        {
            foreach (var byStatus in delivered.GroupBy(o => o.Status!.Value))
                await QueueClaims.CompleteDeliveriesAsync(db, byStatus.Select(o => o.Job.Id).ToList(), byStatus.Key, nowMs, CancellationToken.None);
            await QueueClaims.MarkHostsAliveAsync(db, delivered.Select(o => o.Job.Host), nowMs, CancellationToken.None);
        }
        if (others.Count > 0) await RecordOthersAsync(db, others);
    }

    /// <summary>
    /// Everything but a plain 2xx: a retry with backoff, a final failure, a dead host's job, a job given back unsent. The
    /// new values are worked out here from what the claim returned (the attempt count included) and written set-based,
    /// with the hosts' liveness: one statement for the jobs, one for the failing hosts, one for those that answered.
    /// </summary>
    private async Task RecordOthersAsync(FediLearnDbContext db, List<Outcome> batch)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var rows = new List<JobOutcome>(batch.Count);
        var failing = new List<string>();
        var answered = new List<string>();
        foreach (var (job, status, error, retryAfter, hostDead, postponed) in batch)
        {
            if (postponed)
            {
                // Never sent: give back the attempt the claim counted, and try again shortly.
                rows.Add(new JobOutcome(job.Id, DeliveryState.Pending, null, null, (now + PostponeDelay).ToUnixTimeMilliseconds(), null, Postponed: true));
                continue;
            }
            // A 2xx never comes here (RecordAsync takes those): every outcome below is a retry or a final failure.
            var lastError = hostDead ? "host is marked dead: no successful delivery for a long time" : error;
            DeliveryState state;
            long? next = null, completed = null;
            if (hostDead || !RetryPolicy.IsRetryable(status) || job.Attempts >= _options.MaxAttempts)
            {
                state = DeliveryState.Failed;
                completed = nowMs;
            }
            else
            {
                state = DeliveryState.Pending;
                next = (now + RetryPolicy.Delay(job.Attempts, _options, retryAfter, Random.Shared)).ToUnixTimeMilliseconds();
            }
            rows.Add(new JobOutcome(job.Id, state, status, lastError, next, completed, Postponed: false));
            logger.LogInformation("Delivery {Id} to {Inbox}: {Error} -> {State}", job.Id, job.Inbox, lastError, state);
            if (hostDead) continue;
            // A host that answers at all (even 4xx) is alive; network errors and 5xx count towards "dead".
            (status is not null and < 500 ? answered : failing).Add(job.Host);
        }
        await QueueClaims.RecordOutcomesAsync(db, rows, CancellationToken.None);
        // Failing first, then alive: a host that both answered and failed within one batch ends up alive.
        await QueueClaims.MarkHostsFailingAsync(db, failing, nowMs, (long)_options.DeadHostAfter.TotalMilliseconds, CancellationToken.None);
        await QueueClaims.MarkHostsAliveAsync(db, answered, nowMs, CancellationToken.None);
    }

    /// <summary>Dead hosts are few and change slowly: a set in memory, reloaded every few seconds, saves a query per delivery.</summary>
    private async Task RefreshDeadHostsAsync(FediLearnDbContext db, CancellationToken ct)
    {
        if (time.GetUtcNow() - _deadHostsLoadedAt < DeadHostRefresh) return;
        _deadHosts = (await db.RemoteHosts.AsNoTracking().Where(h => h.Dead).Select(h => h.Host).ToListAsync(ct)).ToHashSet();
        _deadHostsLoadedAt = time.GetUtcNow();
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return response.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.FromMinutes(1) : null;
    }

    /// <summary>
    /// What every delivery of an activity needs and what never changes: who signs it and its UTF-8 body. Read once per
    /// activity (one query, shared by its concurrent first deliveries), not once per inbox.
    /// </summary>
    private sealed class ActivityCache
    {
        private const int Capacity = 256;
        private readonly ConcurrentDictionary<long, Lazy<Task<(long ActorId, byte[] Body)>>> _activities = new();

        public async Task<(long ActorId, byte[] Body)> GetAsync(long activityId, IServiceScopeFactory scopes, CancellationToken ct)
        {
            if (_activities.Count > Capacity) _activities.Clear();
            var lazy = _activities.GetOrAdd(activityId, id => new Lazy<Task<(long, byte[])>>(() => LoadAsync(id, scopes)));
            try
            {
                return await lazy.Value.WaitAsync(ct);
            }
            catch when (!ct.IsCancellationRequested)
            {
                _activities.TryRemove(activityId, out _);
                throw;
            }
        }

        private static async Task<(long, byte[])> LoadAsync(long id, IServiceScopeFactory scopes)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var row = await db.OutboundActivities.AsNoTracking().FirstAsync(a => a.Id == id);
            var json = await scope.ServiceProvider.GetRequiredService<OutboundDocuments>().JsonAsync(db, row, CancellationToken.None);
            return (row.ActorId, System.Text.Encoding.UTF8.GetBytes(json));
        }
    }
}
