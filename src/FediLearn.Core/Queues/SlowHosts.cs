using System.Collections.Concurrent;

namespace FediLearn.Core.Queues;

/// <summary>
/// Hosts whose last answered delivery was slow (past the <see cref="SlowRequests"/> bar), remembered so that their next
/// requests start on the delivery worker's side lane instead of first holding a sending slot for the bar's length. Without
/// it, every fan-out found its slow hosts out again: each took its <c>PerHostConcurrency</c> slots for four times the
/// usual response time before its requests moved aside (ten slow hosts: forty slots-worth of waiting per fan-out,
/// performance.md "Fan-out with slow peers"). A server that is slow once is usually slow the next time too, and one that
/// is not answers its next request within the bar and is forgotten at once. A mark also ends <see cref="Memory"/> after
/// the last slow answer. In memory and per process; at most <see cref="Capacity"/> hosts (all are forgotten when more
/// are slow at once, which costs only the wait this saves).
/// </summary>
public sealed class SlowHosts(TimeProvider time)
{
    public static readonly TimeSpan Memory = TimeSpan.FromHours(1);
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, long> _slowAtMs = new(StringComparer.OrdinalIgnoreCase);

    // As in UnreachableHosts: no dictionary look-up on the hot path until some host has been slow.
    private volatile bool _any;

    /// <summary>Whether <paramref name="host"/> answered slowly last time, within <see cref="Memory"/>.</summary>
    public bool IsSlow(string host)
    {
        if (!_any || !_slowAtMs.TryGetValue(host, out var atMs)) return false;
        if (time.GetUtcNow().ToUnixTimeMilliseconds() - atMs < Memory.TotalMilliseconds) return true;
        _slowAtMs.TryRemove(KeyValuePair.Create(host, atMs));
        return false;
    }

    /// <summary>The hosts remembered as slow now (for <c>/metrics</c>; counts them one by one).</summary>
    public int Count
    {
        get
        {
            if (!_any) return 0;
            var since = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)Memory.TotalMilliseconds;
            return _slowAtMs.Count(e => e.Value > since);
        }
    }

    /// <summary>A delivery to <paramref name="host"/> was answered after <paramref name="elapsed"/>; the bar was <paramref name="slowAfter"/>.</summary>
    public void Answered(string host, TimeSpan elapsed, TimeSpan slowAfter)
    {
        if (elapsed >= slowAfter) Slow(host);
        else if (_any) _slowAtMs.TryRemove(host, out _);
    }

    /// <summary>A request to <paramref name="host"/> is still unanswered past the bar.</summary>
    public void Slow(string host)
    {
        if (!_slowAtMs.ContainsKey(host) && _slowAtMs.Count >= Capacity) _slowAtMs.Clear();
        _slowAtMs[host] = time.GetUtcNow().ToUnixTimeMilliseconds();
        _any = true;
    }
}
