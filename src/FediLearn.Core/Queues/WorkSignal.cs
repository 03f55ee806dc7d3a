namespace FediLearn.Core.Queues;

/// <summary>Wakes a worker at once when this process queued work; workers still poll, for work queued by other processes (e.g. the CLI).</summary>
public sealed class WorkSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // Under load the worker is mostly still busy from the last notice: no exception for that common case (the inbox
        // intake notifies once per committed batch; this threw ~20 times a second in an inbox benchmark).
        if (_signal.CurrentCount > 0) return;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* another Notify came in between */ }
    }

    /// <summary>True when woken by <see cref="Notify"/>, false after the timeout or on cancellation.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try { return await _signal.WaitAsync(timeout, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return false; }
    }
}

public sealed class DeliverySignal { public WorkSignal Signal { get; } = new(); }

public sealed class InboxSignal { public WorkSignal Signal { get; } = new(); }

public sealed class FanoutSignal { public WorkSignal Signal { get; } = new(); }
