using FediLearn.Core.Options;
using FediLearn.Core.Queues;

namespace FediLearn.Core.Tests;

/// <summary>federation.md item 24: which answers are retried, and when.</summary>
public sealed class RetryPolicyTests
{
    private static readonly DeliveryOptions Options = new()
    {
        RetryBaseDelay = TimeSpan.FromSeconds(30),
        MaxRetryDelay = TimeSpan.FromHours(6),
    };

    [Theory]
    [InlineData(null)]
    [InlineData(401)]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(599)]
    public void Network_errors_401_408_429_and_5xx_are_retried(int? status) => Assert.True(RetryPolicy.IsRetryable(status));

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(405)]
    [InlineData(410)]
    [InlineData(413)]
    [InlineData(422)]
    [InlineData(499)]
    public void Other_4xx_are_final(int status) => Assert.False(RetryPolicy.IsRetryable(status));

    [Fact]
    public void Exactly_401_408_429_and_5xx_of_all_status_codes_are_retryable()
    {
        var retryable = Enumerable.Range(100, 500).Where(s => RetryPolicy.IsRetryable(s) && s is >= 400).ToList();
        Assert.Equal([401, 408, 429, .. Enumerable.Range(500, 100)], retryable);
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(4, 240)]
    [InlineData(8, 3840)]
    public void Without_jitter_each_attempt_doubles_the_delay(int attempt, int seconds)
    {
        var delay = RetryPolicy.Delay(attempt, Options, null, new FixedRandom(0.5));
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public void Jitter_stays_within_25_percent(int attempt)
    {
        var nominal = Options.RetryBaseDelay * Math.Pow(2, attempt - 1);
        Assert.Equal(nominal * 0.75, RetryPolicy.Delay(attempt, Options, null, new FixedRandom(0.0)));
        var random = new Random(42);
        var seen = Enumerable.Range(0, 2000).Select(_ => RetryPolicy.Delay(attempt, Options, null, random)).ToList();
        Assert.All(seen, d => Assert.InRange(d, nominal * 0.75, nominal * 1.25));
        // and it does vary: the spread covers most of the ±25 % band
        Assert.True(seen.Min() < nominal * 0.8 && seen.Max() > nominal * 1.2, $"min {seen.Min()}, max {seen.Max()}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    public void Delay_never_exceeds_MaxRetryDelay(double sample)
    {
        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var delay = RetryPolicy.Delay(attempt, Options, null, new FixedRandom(sample));
            Assert.True(delay <= Options.MaxRetryDelay, $"attempt {attempt}: {delay} > MaxRetryDelay {Options.MaxRetryDelay}");
        }
    }

    [Fact]
    public void Late_attempts_reach_the_cap_without_overflow()
    {
        Assert.Equal(Options.MaxRetryDelay * 0.75, RetryPolicy.Delay(int.MaxValue, Options, null, new FixedRandom(0.0)));
        Assert.Equal(Options.MaxRetryDelay * 0.75, RetryPolicy.Delay(20, Options, null, new FixedRandom(0.0)));
    }

    [Fact]
    public void Retry_After_longer_than_the_backoff_is_honoured()
    {
        var delay = RetryPolicy.Delay(1, Options, TimeSpan.FromMinutes(10), new FixedRandom(0.5));
        Assert.Equal(TimeSpan.FromMinutes(10), delay);
    }

    [Fact]
    public void Retry_After_shorter_than_the_backoff_does_not_shorten_it()
    {
        var delay = RetryPolicy.Delay(4, Options, TimeSpan.FromSeconds(5), new FixedRandom(0.5));
        Assert.Equal(TimeSpan.FromSeconds(240), delay);
        Assert.Equal(TimeSpan.FromSeconds(240), RetryPolicy.Delay(4, Options, TimeSpan.FromSeconds(-30), new FixedRandom(0.5)));
    }

    [Fact]
    public void Retry_After_beyond_MaxRetryDelay_is_capped()
    {
        var delay = RetryPolicy.Delay(1, Options, TimeSpan.FromDays(3), new FixedRandom(0.5));
        Assert.Equal(Options.MaxRetryDelay, delay);
    }

    /// <summary>A Random whose NextDouble is fixed, to pin the jitter.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
        protected override double Sample() => value;
    }
}
