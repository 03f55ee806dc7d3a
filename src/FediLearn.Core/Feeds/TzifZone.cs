using System.Buffers.Binary;
using System.Text;

namespace FediLearn.Core.Feeds;

/// <summary>
/// Minimal reader of a compiled tzdata file (TZif, RFC 8536), used only for zone abbreviations
/// ("CET", "EDT", "+04"): .NET's <see cref="TimeZoneInfo"/> gives offsets but not the abbreviations.
/// Reads the version 2+ section (64-bit transition times) when present, else the version 1 section,
/// plus the POSIX TZ footer for instants after the last stored transition ("slim" files stop early).
/// </summary>
internal sealed class TzifZone
{
    internal readonly record struct LocalType(int UtcOffsetSeconds, bool IsDst, string Abbreviation);

    private readonly long[] _transitions;   // Unix seconds, ascending
    private readonly byte[] _typeIndexes;   // local type in effect from each transition on
    private readonly LocalType[] _types;
    private readonly FooterRule? _footer;

    private TzifZone(long[] transitions, byte[] typeIndexes, LocalType[] types, FooterRule? footer)
    {
        _transitions = transitions;
        _typeIndexes = typeIndexes;
        _types = types;
        _footer = footer;
    }

    /// <summary>Std and (optional) DST names and UTC offsets from the POSIX TZ string footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3".</summary>
    private sealed record FooterRule(string StdName, int StdOffsetSeconds, string? DstName, int DstOffsetSeconds);

    /// <summary>Parses TZif bytes; throws <see cref="FormatException"/> on malformed data.</summary>
    public static TzifZone Parse(ReadOnlySpan<byte> data)
    {
        var header = ReadHeader(data, 0);
        var pos = 44;
        if (header.Version >= '2')
        {
            // Skip the version 1 block (32-bit times) and read the second header and its 64-bit block.
            pos += header.TimeCount * 4 + header.TimeCount + header.TypeCount * 6 + header.CharCount
                   + header.LeapCount * 8 + header.IsStdCount + header.IsUtcCount;
            header = ReadHeader(data, pos);
            pos += 44;
            return ParseBlock(data, pos, header, timeSize: 8);
        }
        return ParseBlock(data, pos, header, timeSize: 4);
    }

    /// <summary>The local time type in effect at a UTC instant (Unix seconds).</summary>
    /// <param name="offsetFromSystem">
    /// The zone's UTC offset at that instant according to <see cref="TimeZoneInfo"/>; used only past the last
    /// stored transition to choose between the footer's standard and daylight names.
    /// </param>
    public LocalType Lookup(long unixSeconds, TimeSpan offsetFromSystem)
    {
        if (_transitions.Length == 0 || unixSeconds < _transitions[0])
        {
            if (_transitions.Length == 0 && _footer is not null) return FromFooter(offsetFromSystem, null);
            // RFC 8536 §3.2: before the first transition, local time type 0 applies.
            return _types[0];
        }
        var i = Array.BinarySearch(_transitions, unixSeconds);
        if (i < 0) i = ~i - 1;
        var type = _types[_typeIndexes[i]];
        if (i == _transitions.Length - 1 && _footer is not null) return FromFooter(offsetFromSystem, type);
        return type;
    }

    private LocalType FromFooter(TimeSpan offset, LocalType? last)
    {
        var f = _footer!;
        var seconds = (int)offset.TotalSeconds;
        if (f.DstName is null || seconds == f.StdOffsetSeconds) return new LocalType(f.StdOffsetSeconds, false, f.StdName);
        if (seconds == f.DstOffsetSeconds) return new LocalType(f.DstOffsetSeconds, true, f.DstName);
        return last ?? new LocalType(seconds, false, f.StdName);
    }

    private readonly record struct Header(char Version, int IsUtcCount, int IsStdCount, int LeapCount, int TimeCount, int TypeCount, int CharCount);

    private static Header ReadHeader(ReadOnlySpan<byte> data, int pos)
    {
        if (data.Length < pos + 44 || !data.Slice(pos, 4).SequenceEqual("TZif"u8))
            throw new FormatException("Not a TZif file (bad magic).");
        static int Count(ReadOnlySpan<byte> counts, int n)
        {
            var v = BinaryPrimitives.ReadInt32BigEndian(counts.Slice(n * 4, 4));
            if (v < 0 || v > 1_000_000) throw new FormatException("Implausible TZif count.");
            return v;
        }
        var c = data.Slice(pos + 20, 24);
        var version = data[pos + 4] == 0 ? '1' : (char)data[pos + 4];
        var h = new Header(version, Count(c, 0), Count(c, 1), Count(c, 2), Count(c, 3), Count(c, 4), Count(c, 5));
        if (h.TypeCount == 0) throw new FormatException("TZif file without local time types.");
        return h;
    }

    private static TzifZone ParseBlock(ReadOnlySpan<byte> data, int pos, Header h, int timeSize)
    {
        var blockLength = h.TimeCount * timeSize + h.TimeCount + h.TypeCount * 6 + h.CharCount
                          + h.LeapCount * (timeSize + 4) + h.IsStdCount + h.IsUtcCount;
        if (data.Length < pos + blockLength) throw new FormatException("Truncated TZif file.");

        var transitions = new long[h.TimeCount];
        for (var i = 0; i < h.TimeCount; i++, pos += timeSize)
            transitions[i] = timeSize == 8
                ? BinaryPrimitives.ReadInt64BigEndian(data.Slice(pos, 8))
                : BinaryPrimitives.ReadInt32BigEndian(data.Slice(pos, 4));

        var typeIndexes = data.Slice(pos, h.TimeCount).ToArray();
        pos += h.TimeCount;
        foreach (var t in typeIndexes)
            if (t >= h.TypeCount) throw new FormatException("TZif transition refers to a missing local time type.");

        var rawTypes = new (int Offset, bool IsDst, int AbbrIndex)[h.TypeCount];
        for (var i = 0; i < h.TypeCount; i++, pos += 6)
            rawTypes[i] = (BinaryPrimitives.ReadInt32BigEndian(data.Slice(pos, 4)), data[pos + 4] != 0, data[pos + 5]);

        var chars = data.Slice(pos, h.CharCount);
        pos += h.CharCount + h.LeapCount * (timeSize + 4) + h.IsStdCount + h.IsUtcCount;

        var types = new LocalType[h.TypeCount];
        for (var i = 0; i < types.Length; i++)
        {
            var (offset, isDst, abbrIndex) = rawTypes[i];
            if (abbrIndex >= chars.Length) throw new FormatException("TZif abbreviation index out of range.");
            var rest = chars[abbrIndex..];
            var end = rest.IndexOf((byte)0);
            types[i] = new LocalType(offset, isDst, Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]));
        }

        FooterRule? footer = null;
        if (timeSize == 8 && pos < data.Length && data[pos] == (byte)'\n')
        {
            var rest = data[(pos + 1)..];
            var end = rest.IndexOf((byte)'\n');
            if (end > 0) footer = ParseFooter(Encoding.ASCII.GetString(rest[..end]));
        }
        return new TzifZone(transitions, typeIndexes, types, footer);
    }

    /// <summary>Parses the names and offsets of a POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0", "&lt;+04&gt;-4"); null if unreadable.</summary>
    private static FooterRule? ParseFooter(string tz)
    {
        var i = 0;
        var std = ReadName(tz, ref i);
        if (std is null) return null;
        var stdOffset = ReadPosixOffset(tz, ref i);
        if (stdOffset is null) return null;
        var dst = ReadName(tz, ref i);
        if (dst is null) return new FooterRule(std, stdOffset.Value, null, 0);
        var dstOffset = i < tz.Length && tz[i] != ',' ? ReadPosixOffset(tz, ref i) : stdOffset + 3600;
        return dstOffset is null ? null : new FooterRule(std, stdOffset.Value, dst, dstOffset.Value);
    }

    private static string? ReadName(string s, ref int i)
    {
        if (i >= s.Length) return null;
        if (s[i] == '<')
        {
            var close = s.IndexOf('>', i);
            if (close < 0) return null;
            var name = s[(i + 1)..close];
            i = close + 1;
            return name.Length == 0 ? null : name;
        }
        var start = i;
        while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
        return i - start >= 3 ? s[start..i] : null;
    }

    /// <summary>POSIX offsets are hours west of UTC ("-1" is UTC+1); returns seconds east of UTC.</summary>
    private static int? ReadPosixOffset(string s, ref int i)
    {
        var sign = 1;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { sign = s[i] == '-' ? -1 : 1; i++; }
        var total = 0;
        for (var part = 0; part < 3; part++)
        {
            var start = i;
            var value = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) value = value * 10 + (s[i++] - '0');
            if (i == start) return part == 0 ? null : total * -sign;
            total += value * (part == 0 ? 3600 : part == 1 ? 60 : 1);
            if (i < s.Length && s[i] == ':' && part < 2) i++;
            else break;
        }
        return total * -sign;
    }
}
