using System.Globalization;
using FediLearn.Core.Feeds;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>federation.md item 11 / issue 3 item 3: the plain Event summary, zone abbreviations from tzdata, local → UTC.</summary>
public sealed class SessionTimeTests
{
    private static DateTime L(string s) => DateTime.ParseExact(s, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public void Summary_Amsterdam_winter_is_CET_with_join_link() =>
        Assert.Equal("Thu 14 January 2027, 16:30–18:00 CET (Europe/Amsterdam) · Join: https://meet.example/x",
            SessionTime.Summary(L("2027-01-14 16:30"), L("2027-01-14 18:00"), "Europe/Amsterdam", "https://meet.example/x", null));

    [Fact]
    public void Summary_Amsterdam_summer_is_CEST_with_place() =>
        Assert.Equal("Thu 15 July 2027, 16:30–18:00 CEST (Europe/Amsterdam) · Place: Library, room 2",
            SessionTime.Summary(L("2027-07-15 16:30"), L("2027-07-15 18:00"), "Europe/Amsterdam", null, "Library, room 2"));

    [Fact]
    public void Summary_New_York_before_and_after_the_2027_change_is_EST_then_EDT_with_join_and_place()
    {
        Assert.Equal("Thu 11 March 2027, 09:00–10:30 EST (America/New_York) · Join: https://meet.example/ny · Place: Room 4",
            SessionTime.Summary(L("2027-03-11 09:00"), L("2027-03-11 10:30"), "America/New_York", "https://meet.example/ny", "Room 4"));
        Assert.Equal("Thu 18 March 2027, 09:00–10:30 EDT (America/New_York) · Join: https://meet.example/ny · Place: Room 4",
            SessionTime.Summary(L("2027-03-18 09:00"), L("2027-03-18 10:30"), "America/New_York", "https://meet.example/ny", "Room 4"));
    }

    [Fact]
    public void Summary_Kolkata_is_IST() =>
        Assert.Equal("Mon 15 March 2027, 19:00–20:00 IST (Asia/Kolkata)",
            SessionTime.Summary(L("2027-03-15 19:00"), L("2027-03-15 20:00"), "Asia/Kolkata", null, null));

    [Fact]
    public void Summary_zone_with_numeric_abbreviation_shows_the_UTC_offset() =>
        Assert.Equal("Mon 15 March 2027, 19:00–20:00 UTC+04:00 (Asia/Dubai) · Join: https://meet.example/d",
            SessionTime.Summary(L("2027-03-15 19:00"), L("2027-03-15 20:00"), "Asia/Dubai", "https://meet.example/d", null));

    [Fact]
    public void Summary_spanning_days_names_both_days() =>
        Assert.Equal("Mon 15 March 2027, 22:00 – Tue 16 March 2027, 01:00 CET (Europe/Amsterdam)",
            SessionTime.Summary(L("2027-03-15 22:00"), L("2027-03-16 01:00"), "Europe/Amsterdam", null, null));

    [Fact]
    public void Summary_across_a_DST_change_labels_each_time() =>
        Assert.Equal("Sun 28 March 2027, 01:00 CET–04:00 CEST (Europe/Amsterdam)",
            SessionTime.Summary(L("2027-03-28 01:00"), L("2027-03-28 04:00"), "Europe/Amsterdam", null, null));

    [Fact]
    public void Summary_keeps_to_one_line_and_ignores_blank_parts() =>
        Assert.Equal("Thu 14 January 2027, 16:30–18:00 CET (Europe/Amsterdam) · Place: Library room 2",
            SessionTime.Summary(L("2027-01-14 16:30"), L("2027-01-14 18:00"), "Europe/Amsterdam", "  ", " Library\n room 2 "));

    [Fact]
    public void Summary_is_invariant_English_under_another_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("nl-NL");
            Assert.StartsWith("Thu 14 January 2027, 16:30–18:00 CET",
                SessionTime.Summary(L("2027-01-14 16:30"), L("2027-01-14 18:00"), "Europe/Amsterdam", null, null));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Summary_rejects_end_before_start_and_unknown_zones()
    {
        Assert.Throws<ArgumentException>(() =>
            SessionTime.Summary(L("2027-01-14 18:00"), L("2027-01-14 16:30"), "Europe/Amsterdam", null, null));
        Assert.Throws<ArgumentException>(() =>
            SessionTime.Summary(L("2027-01-14 16:30"), L("2027-01-14 18:00"), "Mars/Olympus_Mons", null, null));
    }

    [Theory]
    // EU change 2027: Sun 28 March (02:00 CET → 03:00 CEST), Sun 31 October (03:00 CEST → 02:00 CET).
    [InlineData("Europe/Amsterdam", "2027-03-28 01:59", "CET")]
    [InlineData("Europe/Amsterdam", "2027-03-28 02:30", "CEST")] // skipped: read with the offset before the gap → 03:30 CEST
    [InlineData("Europe/Amsterdam", "2027-03-28 03:00", "CEST")]
    [InlineData("Europe/Amsterdam", "2027-10-31 01:59", "CEST")]
    [InlineData("Europe/Amsterdam", "2027-10-31 02:30", "CEST")] // ambiguous: first occurrence
    [InlineData("Europe/Amsterdam", "2027-10-31 03:00", "CET")]
    [InlineData("Europe/London", "2027-03-28 00:30", "GMT")]
    [InlineData("Europe/London", "2027-03-28 02:00", "BST")]
    [InlineData("Europe/London", "2027-10-31 02:00", "GMT")]
    // US change 2027: Sun 14 March, Sun 7 November.
    [InlineData("America/New_York", "2027-03-14 01:59", "EST")]
    [InlineData("America/New_York", "2027-03-14 03:00", "EDT")]
    [InlineData("America/New_York", "2027-11-07 01:30", "EDT")] // ambiguous: first occurrence
    [InlineData("America/New_York", "2027-11-07 02:00", "EST")]
    [InlineData("America/St_Johns", "2027-01-10 12:00", "NST")]
    [InlineData("America/St_Johns", "2027-07-10 12:00", "NDT")]
    // Southern hemisphere: Sydney leaves DST on Sun 4 April 2027 and starts it on Sun 3 October 2027.
    [InlineData("Australia/Sydney", "2027-04-04 01:00", "AEDT")]
    [InlineData("Australia/Sydney", "2027-04-04 04:00", "AEST")]
    [InlineData("Australia/Sydney", "2027-10-03 03:30", "AEDT")]
    [InlineData("Asia/Tokyo", "2027-03-28 12:00", "JST")]
    [InlineData("Asia/Kolkata", "2027-03-28 12:00", "IST")]
    [InlineData("Etc/UTC", "2027-03-28 12:00", "UTC")]
    // Numeric abbreviations in tzdata ("+04", "+0545", "-03") become UTC±hh:mm.
    [InlineData("Asia/Dubai", "2027-03-28 12:00", "UTC+04:00")]
    [InlineData("Asia/Kathmandu", "2027-03-28 12:00", "UTC+05:45")]
    [InlineData("America/Sao_Paulo", "2027-03-28 12:00", "UTC-03:00")]
    // Past the last transition stored in the file (2037): the POSIX footer rule decides.
    [InlineData("Europe/Amsterdam", "2045-07-01 12:00", "CEST")]
    [InlineData("Europe/Amsterdam", "2045-01-01 12:00", "CET")]
    [InlineData("America/New_York", "2050-07-01 12:00", "EDT")]
    public void Abbreviation_comes_from_tzdata(string zone, string local, string expected) =>
        Assert.Equal(expected, SessionTime.Abbreviation(zone, L(local)));

    [Fact]
    public void Abbreviation_falls_back_to_the_offset_when_the_tzdata_file_is_missing_or_corrupt()
    {
        var dir = Directory.CreateTempSubdirectory("fedilearn-zoneinfo-");
        try
        {
            Assert.Equal("UTC+01:00", SessionTime.Abbreviation("Europe/Amsterdam", L("2027-01-14 12:00"), dir.FullName));
            Assert.Equal("UTC+02:00", SessionTime.Abbreviation("Europe/Amsterdam", L("2027-07-14 12:00"), dir.FullName));
            Assert.Equal("UTC-04:00", SessionTime.Abbreviation("America/New_York", L("2027-07-14 12:00"), dir.FullName));

            Directory.CreateDirectory(Path.Combine(dir.FullName, "Asia"));
            File.WriteAllText(Path.Combine(dir.FullName, "Asia", "Tokyo"), "not a TZif file at all, but long enough to have a header");
            Assert.Equal("UTC+09:00", SessionTime.Abbreviation("Asia/Tokyo", L("2027-07-14 12:00"), dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Abbreviation_ignores_DateTime_kind()
    {
        var utcKind = new DateTime(2027, 7, 15, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("EDT", SessionTime.Abbreviation("America/New_York", utcKind));
    }

    [Theory]
    [InlineData("2027-03-27 12:00", "2027-03-27T11:00:00Z")] // CET
    [InlineData("2027-03-29 12:00", "2027-03-29T10:00:00Z")] // CEST
    [InlineData("2027-03-28 01:59", "2027-03-28T00:59:00Z")]
    [InlineData("2027-03-28 02:30", "2027-03-28T01:30:00Z")] // skipped: offset before the gap (+01:00)
    [InlineData("2027-03-28 03:00", "2027-03-28T01:00:00Z")]
    [InlineData("2027-10-31 02:30", "2027-10-31T00:30:00Z")] // ambiguous: earlier instant (+02:00)
    [InlineData("2027-10-31 03:00", "2027-10-31T02:00:00Z")]
    public void ToInstant_Amsterdam_around_the_2027_changes(string local, string expectedUtc)
    {
        var instant = SessionTime.ToInstant(L(local), "Europe/Amsterdam");
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, CultureInfo.InvariantCulture), instant);
        Assert.Equal(TimeSpan.Zero, instant.Offset);
    }

    [Fact]
    public void ToInstant_New_York_gap_and_overlap()
    {
        Assert.Equal(new DateTimeOffset(2027, 3, 14, 7, 30, 0, TimeSpan.Zero), SessionTime.ToInstant(L("2027-03-14 02:30"), "America/New_York"));
        Assert.Equal(new DateTimeOffset(2027, 11, 7, 5, 30, 0, TimeSpan.Zero), SessionTime.ToInstant(L("2027-11-07 01:30"), "America/New_York"));
    }

    [Theory]
    [InlineData("Europe/Amsterdam", true)]
    [InlineData("America/New_York", true)]
    [InlineData("Asia/Kolkata", true)]
    [InlineData("Etc/UTC", true)]
    [InlineData("W. Europe Standard Time", false)] // Windows id, even though .NET converts it
    [InlineData("Eastern Standard Time", false)]
    [InlineData("europe/amsterdam", false)] // not the IANA spelling
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("../../etc/passwd", false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData(null, false)]
    public void IsValidZone(string? id, bool expected) => Assert.Equal(expected, SessionTime.IsValidZone(id));
}
