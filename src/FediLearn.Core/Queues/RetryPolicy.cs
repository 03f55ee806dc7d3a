using FediLearn.Core.Options;

namespace FediLearn.Core.Queues;

/// <summary>What a delivery response means (federation.md item 24) and when to try again.</summary>
public static class RetryPolicy
{
    /// <summary>2xx is success; 401/408/429/5xx and network errors are retried; any other status is final.</summary>
    public static bool IsRetryable(int? status) =>
        status is null or 401 or 408 or 429 or >= 500;

    /// <summary>Exponential backoff with ±25 % jitter, at least the server's Retry-After, never above MaxRetryDelay.</summary>
    public static TimeSpan Delay(int attempt, DeliveryOptions options, TimeSpan? retryAfter, Random random)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var baseMs = Math.Min(options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), options.MaxRetryDelay.TotalMilliseconds);
        var jittered = Math.Min(baseMs * (0.75 + random.NextDouble() * 0.5), options.MaxRetryDelay.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(jittered);
        if (retryAfter is { } ra && ra > delay) delay = ra > options.MaxRetryDelay ? options.MaxRetryDelay : ra;
        return delay;
    }
}
