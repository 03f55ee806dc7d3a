using FediLearn.Core.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Services;

/// <summary>
/// Gives the garbage collector's spare memory back to the system when the node has nothing to do (issue 7, memory).
/// <para>
/// After a burst the workstation GC keeps the memory it grew its young generation into (an idle node measured 18 MB
/// committed for an 8 MB heap) and, with no allocations, no collection ever comes to release it. Like the JVM's periodic
/// G1 collection of an idle process (JEP 346), this service watches how much the process allocates; once it has
/// allocated almost nothing for <see cref="MemoryOptions.IdleTrimAfter"/>, it runs one aggressive collection, which
/// compacts the heap and returns the free regions (idle RSS −8 to −10 MB), then asks glibc to give back the pages
/// native code freed (−2 to −3 MB; docs/performance.md "Memory"). One trim per quiet
/// spell: the next waits for the process to be busy again. A trim of an idle node took 13-43 ms here.
/// </para>
/// <para>
/// It also collects once when the host starts, before the server listens: migrations, configuration and the first
/// queries leave their garbage in memory the node would otherwise keep until its first burst.
/// </para>
/// </summary>
public sealed class IdleMemoryTrimmer(IOptions<FediLearnOptions> options, TimeProvider time, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    private readonly TimeSpan _quietFor = options.Value.Memory.IdleTrimAfter;
    private long _trims;
    private long _allocatedAtStartUp = -1;

    /// <summary>Aggressive collections run since start (the start-up one included).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>How often the allocation counter is read.</summary>
    internal static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_quietFor > TimeSpan.Zero)
        {
            Trim("start-up");
            _allocatedAtStartUp = GC.GetTotalAllocatedBytes(precise: false);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_quietFor <= TimeSpan.Zero) return;
        // From the start-up collection on: what the process allocates between it and the first reading (the queues' first
        // passes compile their queries then) is garbage no collection has looked at either.
        var policy = new IdleTrimPolicy(_quietFor, time.GetTimestamp(), time, _allocatedAtStartUp);
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var info = GC.GetGCMemoryInfo();
                if (policy.Observe(time.GetTimestamp(), GC.GetTotalAllocatedBytes(precise: false), info.TotalCommittedBytes - info.HeapSizeBytes))
                    Trim("idle");
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Trim(string why)
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = time.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GlibcHeap.Trim();
        Interlocked.Increment(ref _trims);
        var after = GC.GetGCMemoryInfo();
        logger.LogDebug("Memory trim ({Why}): GC committed {Before:0.0} → {After:0.0} MB, heap {Heap:0.0} MB, {Ms:0.0} ms",
            why, before / 1048576.0, after.TotalCommittedBytes / 1048576.0, after.HeapSizeBytes / 1048576.0, time.GetElapsedTime(started).TotalMilliseconds);
    }
}

/// <summary>
/// glibc's malloc keeps pages that native code freed (SQLite's page caches, the JIT's and the runtime's own
/// allocations) in its arenas; <c>malloc_trim(0)</c> gives the free ones back. A reads-benchmark-like node after its
/// setup: RssAnon 39 → 36-37 MB (docs/performance.md, "The idle trim"). Without glibc (musl, other systems): nothing.
/// </summary>
internal static class GlibcHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>False once a call found no glibc, or off Linux.</summary>
    public static bool Available => !_unavailable;

    public static void Trim()
    {
        if (_unavailable) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { _unavailable = true; }
    }

    // DllImport, not LibraryImport: the generated stub needs unsafe code, and an int and a nuint need no marshalling.
    // glibc's soname, so that only glibc is asked (musl's C library has another name).
    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

/// <summary>
/// When <see cref="IdleMemoryTrimmer"/> trims: after the process has allocated less than <see cref="QuietBytesPerTick"/>
/// in every tick for the quiet period, once per quiet spell, and only when there is at least <see cref="MinSpareBytes"/>
/// to give back: spare at the last collection (<c>GCMemoryInfo</c> describes the last one), or allocated since the last
/// trim (memory the young generation committed since, which no collection has looked at). An idle node allocates
/// ~100-150 KB a second, in bursts: each queue worker's poll (every Delivery:PollInterval) builds a scope, a context
/// and a query, and when the polls fall into the same tick that tick alone passed the former bar of 128 KB, restarting
/// the quiet period; in benchmark runs 2 of 7 setups then had no idle trim by 3 s of quiet (docs/performance.md, "The
/// idle trim that did not come"). A burst of real work allocates megabytes a tick.
/// </summary>
/// <param name="allocatedAtTrim">The allocation count at the last collection before this policy (the start-up one), or
/// -1 to count from the first reading.</param>
internal sealed class IdleTrimPolicy(TimeSpan quietFor, long startTimestamp, TimeProvider time, long allocatedAtTrim = -1)
{
    internal const long QuietBytesPerTick = 512 * 1024;
    internal const long MinSpareBytes = 4 * 1024 * 1024;

    private long _quietSince = startTimestamp;
    private long _lastAllocated = -1;
    private long _allocatedAtTrim = allocatedAtTrim;
    private bool _armed = true;

    /// <summary>One reading of the allocation counter; true when this is the moment to trim.</summary>
    public bool Observe(long timestamp, long totalAllocatedBytes, long spareAtLastCollection)
    {
        if (_allocatedAtTrim < 0) _allocatedAtTrim = totalAllocatedBytes; // no earlier collection given: count from here
        var busy = _lastAllocated >= 0 && totalAllocatedBytes - _lastAllocated > QuietBytesPerTick;
        _lastAllocated = totalAllocatedBytes;
        if (busy)
        {
            _quietSince = timestamp;
            _armed = true;
            return false;
        }
        if (!_armed || time.GetElapsedTime(_quietSince, timestamp) < quietFor) return false;
        _armed = false; // whether or not there is anything to give back, this quiet spell has been looked at
        if (spareAtLastCollection < MinSpareBytes && totalAllocatedBytes - _allocatedAtTrim < MinSpareBytes) return false;
        _allocatedAtTrim = totalAllocatedBytes;
        return true;
    }
}
