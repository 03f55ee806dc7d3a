using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace FediLearn.Core.Feeds;

/// <summary>
/// Time handling for live sessions, which are stored as local wall-clock times plus an IANA zone id.
/// <para>
/// Local times that do not map to exactly one instant follow RFC 5545 §3.3.5 (the same rule everywhere:
/// Event JSON, .ics feed, HTML pages, summaries):
/// an <b>ambiguous</b> local time (it occurs twice when clocks go back) means its <b>first (earlier)</b> occurrence,
/// i.e. still on daylight time (Amsterdam 31 Oct 2027 02:30 → 00:30Z, CEST);
/// an <b>invalid</b> local time (skipped when clocks go forward) is read with the <b>offset in effect before the gap</b>,
/// the standard offset (Amsterdam 28 Mar 2027 02:30 → 01:30Z, which is 03:30 CEST).
/// </para>
/// The <see cref="DateTime.Kind"/> of a local argument is ignored: it is always read as wall-clock time in the zone.
/// </summary>
public static class SessionTime
{
    internal const string DefaultZoneInfoDirectory = "/usr/share/zoneinfo";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Per (directory, zone id): the parsed TZif file, or null when it is missing or unreadable.
    private static readonly ConcurrentDictionary<(string Directory, string Id), TzifZone?> ZoneCache = new();

    /// <summary>
    /// Plain one-line summary a Mastodon reader understands alone, e.g.
    /// "Mon 15 March 2027, 16:30–18:00 CET (Europe/Amsterdam) · Join: https://meet.example/x".
    /// A session ending on a later day: "Mon 15 March 2027, 22:00 – Tue 16 March 2027, 01:00 CET (Europe/Amsterdam)".
    /// When the abbreviation changes during the session (DST change), each time carries its own:
    /// "Sun 28 March 2027, 01:00 CET–04:00 CEST (Europe/Amsterdam)".
    /// "· Join: …" and/or "· Place: …" follow when given (join first). Invariant English, en dash.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown zone, or end before start.</exception>
    public static string Summary(DateTime startLocal, DateTime endLocal, string timeZoneId, string? joinUrl, string? place)
    {
        var tz = FindZone(timeZoneId);
        startLocal = Unspecified(startLocal);
        endLocal = Unspecified(endLocal);
        if (ToInstant(endLocal, tz) < ToInstant(startLocal, tz))
            throw new ArgumentException("The session ends before it starts.", nameof(endLocal));

        var startAbbr = Abbreviation(tz, startLocal, DefaultZoneInfoDirectory);
        var endAbbr = Abbreviation(tz, endLocal, DefaultZoneInfoDirectory);
        var sameAbbr = startAbbr == endAbbr;

        var sb = new StringBuilder();
        sb.Append(Day(startLocal)).Append(", ").Append(Time(startLocal));
        if (!sameAbbr) sb.Append(' ').Append(startAbbr);
        if (startLocal.Date == endLocal.Date)
            sb.Append('–').Append(Time(endLocal));
        else
            sb.Append(" – ").Append(Day(endLocal)).Append(", ").Append(Time(endLocal));
        sb.Append(' ').Append(endAbbr).Append(" (").Append(tz.Id).Append(')');

        var join = OneLine(joinUrl);
        if (join.Length > 0) sb.Append(" · Join: ").Append(join);
        var where = OneLine(place);
        if (where.Length > 0) sb.Append(" · Place: ").Append(where);
        return sb.ToString();
    }

    /// <summary>
    /// The zone abbreviation in effect at that local time (CET/CEST, EST/EDT, BST, JST, IST…), read from the
    /// system tzdata file /usr/share/zoneinfo/{id}; "UTC±hh:mm" when the file is missing or unreadable or the
    /// abbreviation is numeric (Asia/Dubai "+04" → "UTC+04:00"). Parsed files are cached per zone.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown zone (see <see cref="IsValidZone"/>).</exception>
    public static string Abbreviation(string timeZoneId, DateTime local) =>
        Abbreviation(FindZone(timeZoneId), Unspecified(local), DefaultZoneInfoDirectory);

    /// <summary>As <see cref="Abbreviation(string, DateTime)"/> but reading TZif files from another directory (tests).</summary>
    internal static string Abbreviation(string timeZoneId, DateTime local, string zoneInfoDirectory) =>
        Abbreviation(FindZone(timeZoneId), Unspecified(local), zoneInfoDirectory);

    private static string Abbreviation(TimeZoneInfo tz, DateTime local, string zoneInfoDirectory)
    {
        var instant = ToInstant(local, tz);
        var offset = tz.GetUtcOffset(instant);
        var zone = LoadZone(zoneInfoDirectory, tz.Id);
        if (zone is null) return NumericName(offset);
        var type = zone.Lookup(instant.ToUnixTimeSeconds(), offset);
        var abbr = type.Abbreviation;
        if (abbr.Length == 0 || abbr[0] is '+' or '-' || char.IsAsciiDigit(abbr[0]))
            return NumericName(TimeSpan.FromSeconds(type.UtcOffsetSeconds));
        return abbr;
    }

    /// <summary>
    /// More than any zone is from UTC (UTC−12 to UTC+14): a stored local time is within this of the UTC wall-clock time
    /// of its instant. A query on the local columns widens its bound by it (a session that has not ended has a local end
    /// after now minus this), and compares the exact instants in memory.
    /// </summary>
    public static readonly TimeSpan LocalToUtcMargin = TimeSpan.FromDays(1);

    /// <summary>UTC instant of a local wall-clock time in the zone (ambiguous: earlier; invalid: offset before the gap).</summary>
    /// <exception cref="ArgumentException">Unknown zone.</exception>
    public static DateTimeOffset ToInstant(DateTime local, string timeZoneId) => ToInstant(Unspecified(local), FindZone(timeZoneId));

    /// <summary>
    /// True if the id is an IANA zone known on this machine, spelled exactly as the system spells it
    /// ("europe/amsterdam" is rejected: peers compare ids byte for byte), and not a Windows id
    /// ("W. Europe Standard Time" is rejected even though .NET would convert it).
    /// </summary>
    public static bool IsValidZone(string? timeZoneId)
    {
        if (string.IsNullOrWhiteSpace(timeZoneId)) return false;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var tz)) return false;
        return tz.HasIanaId && string.Equals(tz.Id, timeZoneId, StringComparison.Ordinal);
    }

    internal static TimeZoneInfo FindZone(string timeZoneId)
    {
        if (!IsValidZone(timeZoneId))
            throw new ArgumentException($"Unknown IANA time zone \"{timeZoneId}\".", nameof(timeZoneId));
        return TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
    }

    internal static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo tz)
    {
        local = Unspecified(local);
        TimeSpan offset;
        if (tz.IsAmbiguousTime(local))
        {
            // First occurrence = the larger offset (e.g. CEST +02:00 rather than CET +01:00).
            offset = tz.GetAmbiguousTimeOffsets(local).Max();
        }
        else if (tz.IsInvalidTime(local))
        {
            offset = OffsetBeforeGap(local, tz);
        }
        else
        {
            offset = tz.GetUtcOffset(local);
        }
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The offset of the last valid, unambiguous wall-clock time before the skipped one.</summary>
    private static TimeSpan OffsetBeforeGap(DateTime local, TimeZoneInfo tz)
    {
        var probe = local;
        for (var i = 0; i < 4 * 48; i++) // 15-minute steps, up to two days (Samoa skipped a whole day in 2011)
        {
            probe = probe.AddMinutes(-15);
            if (!tz.IsInvalidTime(probe) && !tz.IsAmbiguousTime(probe)) return tz.GetUtcOffset(probe);
        }
        return tz.BaseUtcOffset;
    }

    private static TzifZone? LoadZone(string directory, string id) =>
        ZoneCache.GetOrAdd((directory, id), static key =>
        {
            // The id has been checked against the system's zone list; still refuse anything path-like.
            if (key.Id.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(key.Id)) return null;
            var path = Path.Combine(key.Directory, key.Id);
            try
            {
                return File.Exists(path) ? TzifZone.Parse(File.ReadAllBytes(path)) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        });

    internal static string NumericName(TimeSpan offset)
    {
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(Inv, $"UTC{sign}{(int)abs.TotalHours:00}:{abs.Minutes:00}");
    }

    private static string Day(DateTime d) => d.ToString("ddd d MMMM yyyy", Inv);

    private static string Time(DateTime d) => d.ToString("HH:mm", Inv);

    private static DateTime Unspecified(DateTime d) => DateTime.SpecifyKind(d, DateTimeKind.Unspecified);

    /// <summary>Collapses whitespace (including newlines) so the summary stays one line.</summary>
    private static string OneLine(string? s) =>
        s is null ? "" : string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
