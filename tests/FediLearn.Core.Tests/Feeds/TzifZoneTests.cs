using FediLearn.Core.Feeds;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>The small TZif reader agrees with .NET's own tzdata reading on every offset, so its abbreviations belong to the right periods.</summary>
public sealed class TzifZoneTests
{
    [Theory]
    [InlineData("Europe/Amsterdam")]
    [InlineData("Europe/London")]
    [InlineData("Europe/Dublin")] // negative DST in tzdata: winter GMT is the "daylight" type
    [InlineData("America/New_York")]
    [InlineData("America/St_Johns")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("Australia/Sydney")]
    [InlineData("Australia/Lord_Howe")] // 30-minute DST
    [InlineData("Asia/Kolkata")]
    [InlineData("Asia/Dubai")]
    [InlineData("Pacific/Apia")]
    [InlineData("Africa/Casablanca")]
    public void Offsets_match_TimeZoneInfo_from_1990_to_2060(string id)
    {
        var zone = TzifZone.Parse(File.ReadAllBytes(Path.Combine(SessionTime.DefaultZoneInfoDirectory, id)));
        var tz = TimeZoneInfo.FindSystemTimeZoneById(id);
        for (var t = new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.Zero); t.Year < 2060; t = t.AddHours(53))
        {
            var expected = tz.GetUtcOffset(t);
            var type = zone.Lookup(t.ToUnixTimeSeconds(), expected);
            Assert.True(expected.TotalSeconds == type.UtcOffsetSeconds,
                $"{id} at {t:u}: TZif says {type.UtcOffsetSeconds}s ({type.Abbreviation}), TimeZoneInfo {expected}");
            Assert.False(string.IsNullOrEmpty(type.Abbreviation));
        }
    }

    [Fact]
    public void Rejects_non_TZif_data()
    {
        Assert.Throws<FormatException>(() => TzifZone.Parse("hello"u8));
        Assert.Throws<FormatException>(() => TzifZone.Parse(new byte[60]));
    }

    [Fact]
    public void Truncated_file_is_rejected_not_misread()
    {
        var bytes = File.ReadAllBytes(Path.Combine(SessionTime.DefaultZoneInfoDirectory, "Europe/Amsterdam"));
        Assert.Throws<FormatException>(() => TzifZone.Parse(bytes.AsSpan(0, bytes.Length / 3)));
    }
}

/// <summary>"Slim" TZif files (as zic writes by default and some distributions ship) leave recent years to the POSIX footer.</summary>
public sealed class SlimTzifTests
{
    private static string SlimDir => Path.Combine(TestPaths.ProjectDir, "Feeds", "zoneinfo-slim");

    [Theory]
    [InlineData("Europe/Amsterdam", "2027-03-28 01:59", "CET")]
    [InlineData("Europe/Amsterdam", "2027-03-28 03:00", "CEST")]
    [InlineData("Europe/Amsterdam", "2027-10-31 02:30", "CEST")]
    [InlineData("Europe/Amsterdam", "2027-10-31 03:00", "CET")]
    [InlineData("America/New_York", "2027-03-14 01:59", "EST")]
    [InlineData("America/New_York", "2027-03-14 03:00", "EDT")]
    [InlineData("Australia/Sydney", "2027-01-10 12:00", "AEDT")]
    [InlineData("Australia/Sydney", "2027-07-10 12:00", "AEST")]
    public void Footer_rule_gives_the_abbreviation(string zone, string local, string expected)
    {
        var bytes = File.ReadAllBytes(Path.Combine(SlimDir, zone));
        Assert.True(bytes.Length < 2000, "fixture should be a slim file"); // fat files are ~3 KB
        Assert.Equal(expected, SessionTime.Abbreviation(zone,
            DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), SlimDir));
    }

    [Theory]
    [InlineData("Europe/Amsterdam")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Sydney")]
    public void Offsets_match_TimeZoneInfo(string id)
    {
        var zone = TzifZone.Parse(File.ReadAllBytes(Path.Combine(SlimDir, id)));
        var tz = TimeZoneInfo.FindSystemTimeZoneById(id);
        for (var t = new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.Zero); t.Year < 2060; t = t.AddHours(53))
        {
            var expected = tz.GetUtcOffset(t);
            Assert.Equal(expected.TotalSeconds, zone.Lookup(t.ToUnixTimeSeconds(), expected).UtcOffsetSeconds);
        }
    }
}
