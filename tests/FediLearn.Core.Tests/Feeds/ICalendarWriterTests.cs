using System.Text;
using FediLearn.Core.Feeds;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>issue 3 item 5: GET /groups/{name}/sessions.ics is RFC 5545 (structure, UTC instants, escaping, CRLF, folding).</summary>
public sealed class ICalendarWriterTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 10, 0, 0, TimeSpan.FromHours(1));

    internal static CalendarEvent Event(string uid, DateTime start, DateTime end, string zone = "Europe/Amsterdam",
        string title = "Reading circle", string description = "Chapter 3", string? location = null, bool cancelled = false) =>
        new(uid, $"https://learn.example/groups/rust/sessions/{uid}", title, description, start, end, zone, location, cancelled,
            new DateTimeOffset(2027, 2, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 2, 2, 9, 30, 0, TimeSpan.Zero), 2);

    /// <summary>Content lines with folding undone (RFC 5545 §3.1).</summary>
    private static string[] Unfold(string ics) =>
        ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Writes_calendar_and_event_properties_with_UTC_instants()
    {
        var ics = ICalendarWriter.Write("Rust circle", [
            Event("s1", new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 30, 0), location: "Library"),
            Event("s2", new DateTime(2027, 3, 30, 19, 0, 0), new DateTime(2027, 3, 30, 20, 30, 0), cancelled: true),
        ], Now);
        var lines = Unfold(ics);

        Assert.Equal(
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//FediLearn//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:Rust circle",
            "BEGIN:VEVENT", "UID:s1", "DTSTAMP:20270301T090000Z",
            "DTSTART:20270325T180000Z", "DTEND:20270325T193000Z", // CET, UTC+1
            "SUMMARY:Reading circle", "DESCRIPTION:Chapter 3", "URL:https://learn.example/groups/rust/sessions/s1",
            "LOCATION:Library", "STATUS:CONFIRMED", "SEQUENCE:2", "CREATED:20270201T090000Z", "LAST-MODIFIED:20270202T093000Z",
            "END:VEVENT",
            "BEGIN:VEVENT", "UID:s2", "DTSTAMP:20270301T090000Z",
            "DTSTART:20270330T170000Z", "DTEND:20270330T183000Z", // CEST, UTC+2
            "SUMMARY:Reading circle", "DESCRIPTION:Chapter 3", "URL:https://learn.example/groups/rust/sessions/s2",
            "STATUS:CANCELLED", "SEQUENCE:2", "CREATED:20270201T090000Z", "LAST-MODIFIED:20270202T093000Z",
            "END:VEVENT",
            "END:VCALENDAR",
        ], lines);
    }

    [Fact]
    public void Empty_calendar_is_still_a_valid_VCALENDAR()
    {
        var ics = ICalendarWriter.Write("Nothing yet", [], Now);
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", ics);
        Assert.EndsWith("END:VCALENDAR\r\n", ics);
        Assert.DoesNotContain("VEVENT", ics);
    }

    [Fact]
    public void Uses_CRLF_only()
    {
        var ics = ICalendarWriter.Write("Rust circle",
            [Event("s1", new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 0, 0), description: "line1\nline2\r\nline3\rline4")], Now);
        Assert.EndsWith("\r\n", ics);
        for (var i = 0; i < ics.Length; i++)
        {
            if (ics[i] == '\n') Assert.True(i > 0 && ics[i - 1] == '\r', $"bare LF at {i}");
            if (ics[i] == '\r') Assert.True(i + 1 < ics.Length && ics[i + 1] == '\n', $"bare CR at {i}");
        }
        Assert.Contains(@"DESCRIPTION:line1\nline2\nline3\nline4", Unfold(ics));
    }

    [Fact]
    public void Escapes_TEXT_values()
    {
        var ics = ICalendarWriter.Write("Rust, Go; and C\\C++",
            [Event("s1", new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 0, 0),
                title: "Lifetimes, traits; and \\ backslashes", description: "a\nb\tc\u0007d", location: "Room 1, floor 2; east")], Now);
        var lines = Unfold(ics);
        Assert.Contains(@"X-WR-CALNAME:Rust\, Go\; and C\\C++", lines);
        Assert.Contains(@"SUMMARY:Lifetimes\, traits\; and \\ backslashes", lines);
        Assert.Contains("DESCRIPTION:a\\nb\tcd", lines); // TAB kept, BEL dropped
        Assert.Contains(@"LOCATION:Room 1\, floor 2\; east", lines);
        Assert.DoesNotContain("\u0007", ics, StringComparison.Ordinal);
    }

    [Fact]
    public void Folds_long_multibyte_lines_at_75_octets_without_splitting_characters()
    {
        var description = string.Concat(Enumerable.Repeat("Grüße aus Köln — 東京 😀 ", 40));
        var ics = ICalendarWriter.Write("Rust circle",
            [Event("s1", new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 0, 0), description: description)], Now);

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var bytes = strict.GetBytes(ics); // throws on a split surrogate pair
        var physical = SplitCrlf(bytes);
        Assert.True(physical.Count > 10);
        var continuations = 0;
        foreach (var line in physical)
        {
            Assert.True(line.Length <= 75, $"{line.Length} octets: {Encoding.UTF8.GetString(line)}");
            strict.GetString(line); // throws if a UTF-8 sequence was cut at the fold
            if (line.Length > 0 && line[0] == (byte)' ') continuations++;
        }
        Assert.True(continuations >= 10);
        Assert.Contains("DESCRIPTION:" + description, Unfold(ics));
    }

    [Fact]
    public void Folding_boundaries_are_exact()
    {
        string Fold(string line)
        {
            var sb = new StringBuilder();
            ICalendarWriter.AppendLine(sb, line);
            return sb.ToString();
        }
        var exactly75 = "SUMMARY:" + new string('a', 67);
        Assert.Equal(exactly75 + "\r\n", Fold(exactly75));
        Assert.Equal(exactly75 + "\r\n b\r\n", Fold(exactly75 + "b"));
        // 74 ASCII octets, then a 3-octet "€": it must move whole to the next line.
        var before = "X:" + new string('a', 72);
        Assert.Equal(before + "\r\n €\r\n", Fold(before + "€"));
        // A 4-octet emoji (surrogate pair in UTF-16) at the boundary.
        Assert.Equal(before + "\r\n 😀\r\n", Fold(before + "😀"));
        // Continuation lines hold 74 octets after their leading space.
        var folded = Fold(new string('b', 75 + 74 + 1));
        Assert.Equal(new string('b', 75) + "\r\n " + new string('b', 74) + "\r\n b\r\n", folded);
    }

    [Fact]
    public void Converts_ambiguous_and_skipped_local_times_by_the_RFC_5545_rule()
    {
        var ics = ICalendarWriter.Write("x", [
            Event("gap", new DateTime(2027, 3, 28, 2, 30, 0), new DateTime(2027, 3, 28, 4, 0, 0)),
            Event("overlap", new DateTime(2027, 10, 31, 2, 30, 0), new DateTime(2027, 10, 31, 3, 30, 0)),
        ], Now);
        var lines = Unfold(ics);
        Assert.Contains("DTSTART:20270328T013000Z", lines); // skipped 02:30 read at +01:00
        Assert.Contains("DTEND:20270328T020000Z", lines);
        Assert.Contains("DTSTART:20271031T003000Z", lines); // ambiguous 02:30: first occurrence, +02:00
        Assert.Contains("DTEND:20271031T023000Z", lines);
    }

    [Fact]
    public void Rejects_unknown_zones_and_reversed_times()
    {
        Assert.Throws<ArgumentException>(() => ICalendarWriter.Write("x",
            [Event("s", new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 0, 0), zone: "Nowhere/Town")], Now));
        Assert.Throws<ArgumentException>(() => ICalendarWriter.Write("x",
            [Event("s", new DateTime(2027, 3, 25, 20, 0, 0), new DateTime(2027, 3, 25, 19, 0, 0))], Now));
    }

    private static List<byte[]> SplitCrlf(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] != '\r' || bytes[i + 1] != '\n') continue;
            lines.Add(bytes[start..i]);
            start = i + 2;
            i++;
        }
        Assert.Equal(bytes.Length, start); // ends with CRLF
        return lines;
    }
}
