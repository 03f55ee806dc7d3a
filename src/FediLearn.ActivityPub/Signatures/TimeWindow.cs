namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// The acceptance window Mastodon applies to both formats (signatures.md §1.2, federation.md item 21):
/// expires defaults to created + 5 min and is capped at created + 12 h; one hour of clock skew is
/// allowed on either side. With only a Date header that makes [now − 65 min, now + 60 min].
/// </summary>
internal static class TimeWindow
{
    public const string OutsideWindow = "Signed request date outside acceptable time window";

    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(12);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    public static string? Check(DateTimeOffset created, DateTimeOffset? expires, DateTimeOffset now)
    {
        var cap = created + MaxLifetime;
        var effectiveExpiry = expires is { } e ? (e < cap ? e : cap) : created + DefaultLifetime;
        if (created > now + ClockSkew || now > effectiveExpiry + ClockSkew)
        {
            return OutsideWindow;
        }

        return null;
    }

    /// <summary>Unix seconds from a (created)/(expires) or RFC 9421 created/expires parameter.</summary>
    public static DateTimeOffset? FromUnixSeconds(long seconds)
    {
        // Out-of-range values are attacker input, not a crash (security.md principle 7).
        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() + 1 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 86_400)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }
}
