using System.Globalization;
using System.Text;

namespace FediLearn.Core.Feeds;

/// <summary>A live session as it appears in a group's calendar feed. Start and end are wall-clock times in <see cref="TimeZoneId"/> (IANA).</summary>
public sealed record CalendarEvent(
    string Uid,
    string Url,
    string Title,
    string Description,
    DateTime StartLocal,
    DateTime EndLocal,
    string TimeZoneId,
    string? Location,
    bool Cancelled,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    int Sequence);

/// <summary>Writes RFC 5545 iCalendar feeds (GET /groups/{name}/sessions.ics).</summary>
public static class ICalendarWriter
{
    /// <summary>Maximum octets per physical line, CRLF excluded (RFC 5545 §3.1).</summary>
    public const int MaxLineOctets = 75;

    /// <summary>
    /// RFC 5545 VCALENDAR (VERSION:2.0, PRODID:-//FediLearn//EN, CALSCALE:GREGORIAN, METHOD:PUBLISH, X-WR-CALNAME)
    /// with one VEVENT per event, in the given order: UID, DTSTAMP (<paramref name="now"/>, UTC), DTSTART/DTEND as
    /// UTC instants ("…Z") converted from the local times with <see cref="SessionTime.ToInstant(DateTime, string)"/>
    /// (TimeZoneInfo; correct on both sides of a DST change; an ambiguous local time means its first occurrence, a
    /// skipped one is read with the offset before the gap, as RFC 5545 §3.3.5 says), SUMMARY, DESCRIPTION, URL,
    /// LOCATION (if any), STATUS:CANCELLED or CONFIRMED, SEQUENCE, CREATED, LAST-MODIFIED.
    /// TEXT values are escaped (\\ \; \, \n; other control characters dropped), lines end with CRLF and are folded
    /// at 75 octets without splitting a UTF-8 sequence.
    /// </summary>
    /// <exception cref="ArgumentException">An event has an unknown zone or ends before it starts.</exception>
    public static string Write(string calendarName, IEnumerable<CalendarEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(calendarName);
        ArgumentNullException.ThrowIfNull(events);

        var sb = new StringBuilder();
        AppendLine(sb, "BEGIN:VCALENDAR");
        AppendLine(sb, "VERSION:2.0");
        AppendLine(sb, "PRODID:-//FediLearn//EN");
        AppendLine(sb, "CALSCALE:GREGORIAN");
        AppendLine(sb, "METHOD:PUBLISH");
        AppendLine(sb, "X-WR-CALNAME:" + EscapeText(calendarName));

        var stamp = FormatUtc(now);
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            var start = SessionTime.ToInstant(e.StartLocal, e.TimeZoneId);
            var end = SessionTime.ToInstant(e.EndLocal, e.TimeZoneId);
            if (end < start)
                throw new ArgumentException($"Event {e.Uid} ends before it starts.", nameof(events));

            AppendLine(sb, "BEGIN:VEVENT");
            AppendLine(sb, "UID:" + EscapeText(e.Uid));
            AppendLine(sb, "DTSTAMP:" + stamp);
            AppendLine(sb, "DTSTART:" + FormatUtc(start));
            AppendLine(sb, "DTEND:" + FormatUtc(end));
            AppendLine(sb, "SUMMARY:" + EscapeText(e.Title));
            AppendLine(sb, "DESCRIPTION:" + EscapeText(e.Description));
            AppendLine(sb, "URL:" + StripControls(e.Url));
            if (!string.IsNullOrWhiteSpace(e.Location))
                AppendLine(sb, "LOCATION:" + EscapeText(e.Location));
            AppendLine(sb, "STATUS:" + (e.Cancelled ? "CANCELLED" : "CONFIRMED"));
            AppendLine(sb, "SEQUENCE:" + Math.Max(0, e.Sequence).ToString(CultureInfo.InvariantCulture));
            AppendLine(sb, "CREATED:" + FormatUtc(e.Created));
            AppendLine(sb, "LAST-MODIFIED:" + FormatUtc(e.Updated));
            AppendLine(sb, "END:VEVENT");
        }

        AppendLine(sb, "END:VCALENDAR");
        return sb.ToString();
    }

    /// <summary>UTC DATE-TIME form, e.g. 20270325T180000Z.</summary>
    internal static string FormatUtc(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 5545 §3.3.11 TEXT escaping: backslash, semicolon, comma, newline (CRLF, CR or LF → \n); other controls but TAB dropped.</summary>
    internal static string EscapeText(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var sb = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case ';': sb.Append(@"\;"); break;
                case ',': sb.Append(@"\,"); break;
                case '\r':
                    sb.Append(@"\n");
                    if (i + 1 < value.Length && value[i + 1] == '\n') i++;
                    break;
                case '\n': sb.Append(@"\n"); break;
                default:
                    if (c == '\t' || !char.IsControl(c)) sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    private static string StripControls(string? value) =>
        string.IsNullOrEmpty(value) ? "" : string.Concat(value.Where(c => !char.IsControl(c)));

    /// <summary>
    /// Appends one content line folded at <see cref="MaxLineOctets"/> octets: continuation lines start with a space
    /// (counted in their 75 octets). Splits only between Unicode scalar values, never inside a UTF-8 sequence
    /// (an unpaired surrogate is written as U+FFFD).
    /// </summary>
    internal static void AppendLine(StringBuilder sb, string line)
    {
        Span<char> utf16 = stackalloc char[2];
        var octets = 0;
        foreach (var rune in line.EnumerateRunes())
        {
            var size = rune.Utf8SequenceLength;
            if (octets + size > MaxLineOctets)
            {
                sb.Append("\r\n ");
                octets = 1;
            }
            sb.Append(utf16[..rune.EncodeToUtf16(utf16)]);
            octets += size;
        }
        sb.Append("\r\n");
    }
}
