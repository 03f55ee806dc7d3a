using System.Diagnostics;
using FediLearn.Core.Options;
using FediLearn.Core.Services;

namespace FediLearn.Core.Tests;

/// <summary>
/// When the idle trim runs (Services/IdleMemoryTrimmer.cs): once the process has allocated almost nothing for the quiet
/// period, once per quiet spell, and only with spare GC memory to give back. Readings every 250 ms, as the service takes them.
/// </summary>
public sealed class IdleMemoryTrimmerTests
{
    private const long Spare = 10 * 1024 * 1024;
    private static readonly long TickTicks = Stopwatch.Frequency / 4;

    private sealed class Readings(TimeSpan quietFor, long? allocatedAtStartUpTrim = null)
    {
        private readonly IdleTrimPolicy _policy = new(quietFor, 0, TimeProvider.System, allocatedAtStartUpTrim ?? -1);
        private long _now;
        private long _allocated = 100_000_000;

        /// <summary>One 250 ms tick in which the process allocated <paramref name="bytes"/>; true when the policy trims.</summary>
        public bool Tick(long bytes, long spare = Spare)
        {
            _now += TickTicks;
            _allocated += bytes;
            return _policy.Observe(_now, _allocated, spare);
        }

        /// <summary>The ticks (1-based) at which the policy trimmed, over <paramref name="count"/> ticks of the same allocation.</summary>
        public List<int> Trims(int count, long bytesPerTick, long spare = Spare) =>
            Enumerable.Range(1, count).Where(_ => Tick(bytesPerTick, spare)).ToList();
    }

    [Fact]
    public void An_idle_process_is_trimmed_once_after_the_quiet_period()
    {
        var r = new Readings(TimeSpan.FromSeconds(2));
        Assert.Empty(r.Trims(4, 4_000_000)); // a burst: 16 MB/s
        // Quiet from the last busy tick (tick 4): the pollers' ~50 KB a tick do not count as work.
        Assert.Equal([8], r.Trims(20, 50_000)); // 8 ticks of 250 ms = 2 s after the burst, and not again
    }

    [Fact]
    public void The_pollers_of_an_idle_node_falling_into_one_tick_do_not_put_off_its_trim()
    {
        var r = new Readings(TimeSpan.FromSeconds(2));
        Assert.Empty(r.Trims(4, 4_000_000));
        // Three queue workers polling once a second, ~50-70 KB each: some ticks get none, some get all three at once.
        Assert.Equal([8], Enumerable.Range(1, 20).Where(t => r.Tick(t % 4 == 0 ? 200_000 : 0)).ToList());
    }

    [Fact]
    public void A_busy_process_is_never_trimmed()
    {
        var r = new Readings(TimeSpan.FromSeconds(2));
        Assert.Empty(r.Trims(40, IdleTrimPolicy.QuietBytesPerTick + 1));
        // Work every 1.75 s (seven quiet ticks, then one busy): never 2 s of quiet, never a trim.
        for (var spell = 0; spell < 5; spell++)
        {
            Assert.Empty(r.Trims(6, 0));
            Assert.False(r.Tick(1_000_000));
        }
    }

    [Fact]
    public void Each_quiet_spell_after_work_gets_its_own_trim()
    {
        var r = new Readings(TimeSpan.FromSeconds(1));
        Assert.Equal([4], r.Trims(10, 0)); // the process was quiet since it started
        Assert.False(r.Tick(5_000_000));
        Assert.Equal([4], r.Trims(10, 0));
        Assert.False(r.Tick(5_000_000));
        Assert.Equal([4], r.Trims(10, 0));
    }

    [Fact]
    public void Nothing_to_give_back_means_no_collection_in_that_spell()
    {
        var r = new Readings(TimeSpan.FromSeconds(1));
        Assert.Empty(r.Trims(10, 0, spare: IdleTrimPolicy.MinSpareBytes - 1));
        // The spell has been looked at: more spare later in the same spell (the pollers' garbage) does not start a trim.
        Assert.Empty(r.Trims(10, 0));
        Assert.False(r.Tick(5_000_000));
        Assert.Equal([4], r.Trims(10, 0));
    }

    [Fact]
    public void Work_since_the_last_trim_counts_when_no_collection_has_run_since()
    {
        // The GC's own figures describe the last collection (here the trim: nothing spare); the 5 MB allocated since
        // sit in memory the young generation committed after it.
        var r = new Readings(TimeSpan.FromSeconds(1));
        Assert.False(r.Tick(0, spare: 0)); // the first reading, just after the start-up collection
        Assert.False(r.Tick(5_000_000, spare: 0));
        Assert.Equal([4], r.Trims(10, 0, spare: 0));
        // The twin: a little work (busy, but under 4 MB in all) leaves nothing worth a collection.
        Assert.False(r.Tick(IdleTrimPolicy.QuietBytesPerTick + 1, spare: 0));
        Assert.Empty(r.Trims(10, 0, spare: 0));
    }

    [Fact]
    public void Work_between_the_start_up_collection_and_the_first_reading_counts()
    {
        // Since the server listens before EF's query pipeline is compiled, the queues' first passes compile their queries
        // between the start-up collection and the first reading: 6 MB that no collection has looked at.
        var r = new Readings(TimeSpan.FromSeconds(1), allocatedAtStartUpTrim: 100_000_000 - 6_000_000);
        Assert.Equal([4], r.Trims(10, 0, spare: 0));
        // The twin: counted from the first reading, as before, the same node kept those 6 MB.
        var fromFirstReading = new Readings(TimeSpan.FromSeconds(1));
        Assert.Empty(fromFirstReading.Trims(10, 0, spare: 0));
    }

    /// <summary>The trim's malloc_trim finds glibc on Linux (Debian here); a wrong library name would turn it off quietly.</summary>
    [Fact]
    public void The_native_heap_trim_reaches_glibc_on_linux()
    {
        GlibcHeap.Trim();
        Assert.Equal(OperatingSystem.IsLinux() && !File.Exists("/etc/alpine-release"), GlibcHeap.Available);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("01:00:01")]
    [InlineData("-00:00:01")]
    public void A_bad_IdleTrimAfter_is_named_in_the_message(string value)
    {
        var result = new FediLearnOptionsValidator().Validate(null, new FediLearnOptions { Memory = { IdleTrimAfter = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) } });
        Assert.Contains(result.Failures ?? [], f => f.Contains("FediLearn:Memory:IdleTrimAfter", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:01")]
    [InlineData("01:00:00")]
    public void Off_and_sensible_IdleTrimAfter_values_are_accepted(string value) =>
        Assert.True(new FediLearnOptionsValidator().Validate(null, new FediLearnOptions { Memory = { IdleTrimAfter = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) } }).Succeeded);
}
