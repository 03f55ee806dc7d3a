using System.Text;
using System.Text.Json;
using FediLearn.Core.Feeds;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>
/// issue 3, "How it will be checked": the .ics feed parses in a real calendar parser (Debian's python3-icalendar)
/// with the right instants across a DST change. Fails (never skips) when the parser is not installed.
/// </summary>
public sealed class ICalendarPythonParserTests
{
    private const string Script = """
        import datetime, json, sys
        import icalendar
        with open(sys.argv[1], 'rb') as f:
            cal = icalendar.Calendar.from_ical(f.read())
        def utc(prop):
            return prop.dt.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        out = {'name': str(cal.get('X-WR-CALNAME')), 'version': str(cal.get('VERSION')),
               'method': str(cal.get('METHOD')), 'errors': [repr(e) for e in getattr(cal, 'errors', [])], 'events': []}
        for ev in cal.walk('VEVENT'):
            out['errors'] += [repr(e) for e in getattr(ev, 'errors', [])]
            out['events'].append({
                'uid': str(ev.get('UID')), 'start': utc(ev['DTSTART']), 'end': utc(ev['DTEND']),
                'stamp': utc(ev['DTSTAMP']), 'status': str(ev.get('STATUS')), 'summary': str(ev.get('SUMMARY')),
                'description': str(ev.get('DESCRIPTION')), 'location': str(ev['LOCATION']) if 'LOCATION' in ev else None,
                'url': str(ev.get('URL')), 'sequence': int(ev.get('SEQUENCE'))})
        print(json.dumps(out, ensure_ascii=True))
        """;

    [Fact]
    public void Debian_python3_icalendar_reads_instants_on_both_sides_of_the_2027_DST_change_and_the_cancellation()
    {
        DebianPython.RequireModule("icalendar");

        var description = "Bring questions; we cover lifetimes, traits \\ generics.\nGrüße — 東京 😀 " + new string('x', 120);
        var ics = ICalendarWriter.Write("Rust, circle; spring", [
            new CalendarEvent("before@learn.example", "https://learn.example/s/1", "Before the change, CET", description,
                new DateTime(2027, 3, 25, 19, 0, 0), new DateTime(2027, 3, 25, 20, 30, 0), "Europe/Amsterdam",
                "Library, room 2; east wing", false,
                new DateTimeOffset(2027, 2, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 2, 2, 9, 0, 0, TimeSpan.Zero), 0),
            new CalendarEvent("after@learn.example", "https://learn.example/s/2", "After the change, CEST", "Cancelled, sorry",
                new DateTime(2027, 3, 30, 19, 0, 0), new DateTime(2027, 3, 30, 20, 30, 0), "Europe/Amsterdam",
                null, true,
                new DateTimeOffset(2027, 2, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 20, 9, 0, 0, TimeSpan.Zero), 3),
        ], new DateTimeOffset(2027, 3, 21, 12, 0, 0, TimeSpan.Zero));

        var path = Path.Combine(Path.GetTempPath(), $"fedilearn-{Guid.NewGuid():N}.ics");
        try
        {
            File.WriteAllText(path, ics, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            var (exit, stdout, stderr) = DebianPython.Run(Script, path);
            Assert.True(exit == 0, $"python3-icalendar failed to parse the feed:\n{stderr}\n--- feed ---\n{ics}");

            using var doc = JsonDocument.Parse(stdout);
            var root = doc.RootElement;
            Assert.Empty(root.GetProperty("errors").EnumerateArray());
            Assert.Equal("Rust, circle; spring", root.GetProperty("name").GetString());
            Assert.Equal("2.0", root.GetProperty("version").GetString());
            Assert.Equal("PUBLISH", root.GetProperty("method").GetString());

            var events = root.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(2, events.Count);

            var before = events[0];
            Assert.Equal("before@learn.example", before.GetProperty("uid").GetString());
            Assert.Equal("2027-03-25T18:00:00Z", before.GetProperty("start").GetString()); // 19:00 CET = UTC+1
            Assert.Equal("2027-03-25T19:30:00Z", before.GetProperty("end").GetString());
            Assert.Equal("2027-03-21T12:00:00Z", before.GetProperty("stamp").GetString());
            Assert.Equal("CONFIRMED", before.GetProperty("status").GetString());
            Assert.Equal("Before the change, CET", before.GetProperty("summary").GetString());
            Assert.Equal(description, before.GetProperty("description").GetString()); // escaping + folding round-trip
            Assert.Equal("Library, room 2; east wing", before.GetProperty("location").GetString());
            Assert.Equal("https://learn.example/s/1", before.GetProperty("url").GetString());
            Assert.Equal(0, before.GetProperty("sequence").GetInt32());

            var after = events[1];
            Assert.Equal("after@learn.example", after.GetProperty("uid").GetString());
            Assert.Equal("2027-03-30T17:00:00Z", after.GetProperty("start").GetString()); // 19:00 CEST = UTC+2
            Assert.Equal("2027-03-30T18:30:00Z", after.GetProperty("end").GetString());
            Assert.Equal("CANCELLED", after.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, after.GetProperty("location").ValueKind);
            Assert.Equal(3, after.GetProperty("sequence").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
