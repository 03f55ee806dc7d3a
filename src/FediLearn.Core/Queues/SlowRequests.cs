namespace FediLearn.Core.Queues;

/// <summary>
/// When a delivery counts as slow: <see cref="Factor"/> times the median response time of the last
/// <see cref="Window"/> answered deliveries, between <see cref="Floor"/> and <see cref="Ceiling"/>. Relative, because what
/// is usual depends on where the node runs: a few milliseconds to servers next door, a few hundred across the world,
/// where a fixed bar would either call every request slow or none. The median, because the slow servers this is meant to
/// spot must not move the bar themselves (ten per cent of followers answering after 2 s leave it where the others put
/// it). Until <see cref="Window"/> answers are in, <see cref="Initial"/>.
/// </summary>
public sealed class SlowRequests
{
    public const int Window = 64;
    public const double Factor = 4;
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private readonly double[] _recentMs = new double[Window];
    private readonly double[] _sorted = new double[Window];
    private int _count;
    private int _next;
    private long _slowAfterTicks = Initial.Ticks;

    /// <summary>How long an unanswered delivery may take before it counts as slow.</summary>
    public TimeSpan SlowAfter => TimeSpan.FromTicks(Interlocked.Read(ref _slowAfterTicks));

    /// <summary>Records one answered delivery's response time; the bar is worked out again every eighth of the window.</summary>
    public void Add(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _recentMs[_next] = elapsed.TotalMilliseconds;
            _next = (_next + 1) % Window;
            if (_count < Window) _count++;
            if (_count < Window || _next % (Window / 8) != 0) return;
            Array.Copy(_recentMs, _sorted, Window);
            Array.Sort(_sorted);
            var median = (_sorted[Window / 2 - 1] + _sorted[Window / 2]) / 2;
            var bar = Math.Clamp(median * Factor, Floor.TotalMilliseconds, Ceiling.TotalMilliseconds);
            Interlocked.Exchange(ref _slowAfterTicks, TimeSpan.FromMilliseconds(bar).Ticks);
        }
    }
}
