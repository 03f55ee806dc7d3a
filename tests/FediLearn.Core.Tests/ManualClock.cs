namespace FediLearn.Core.Tests;

/// <summary>A clock the test moves by hand (<c>clock.Now += …</c>), for the in-memory caches and pauses that read the time.</summary>
internal sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 16, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
}
