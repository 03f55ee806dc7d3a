using FediLearn.Core.Queues;

namespace FediLearn.Core.Tests;

/// <summary>A worker's wake-up: notices that come while it is busy collapse into one; none is lost.</summary>
public sealed class WorkSignalTests
{
    [Fact]
    public async Task Notices_while_busy_wake_the_worker_once()
    {
        var signal = new WorkSignal();
        signal.Notify();
        signal.Notify();
        signal.Notify();

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task A_notice_wakes_a_waiting_worker_and_cancellation_ends_the_wait()
    {
        var signal = new WorkSignal();
        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        signal.Notify();
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));

        using var stop = new CancellationTokenSource();
        var stopped = signal.WaitAsync(TimeSpan.FromSeconds(30), stop.Token);
        await stop.CancelAsync();
        Assert.False(await stopped.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Concurrent_notices_never_throw_and_leave_one_wake_up()
    {
        var signal = new WorkSignal();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => { for (var i = 0; i < 10_000; i++) signal.Notify(); })));
        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}
