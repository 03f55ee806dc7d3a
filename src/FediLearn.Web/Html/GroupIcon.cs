using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace FediLearn.Web.Html;

/// <summary>
/// A default avatar for groups that have not uploaded one: a flat colour derived from the name, as a 96×96 PNG
/// (Mastodon accepts PNG/JPEG/GIF/WebP avatars, not SVG). Written by hand to avoid an imaging dependency.
/// </summary>
public static class GroupIcon
{
    private const int Size = 96;

    public static byte[] Png(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        var (r, g, b) = HslToRgb(hash[0] / 255.0 * 360, 0.45, 0.45);
        var raw = new byte[Size * (1 + Size * 3)];
        for (var y = 0; y < Size; y++)
        {
            var row = y * (1 + Size * 3);
            for (var x = 0; x < Size; x++)
            {
                // A lighter diagonal band makes icons of similar colours tell apart.
                var band = ((x + y) / 16 + hash[1]) % 3 == 0;
                raw[row + 1 + x * 3] = band ? (byte)Math.Min(255, r + 40) : r;
                raw[row + 2 + x * 3] = band ? (byte)Math.Min(255, g + 40) : g;
                raw[row + 3 + x * 3] = band ? (byte)Math.Min(255, b + 40) : b;
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Size);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = Crc32(typeBytes.Concat(data));
        BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    /// <summary>PNG's CRC-32 (ISO 3309, polynomial 0xEDB88320); System.IO.Hashing is not in the shared framework.</summary>
    private static uint Crc32(IEnumerable<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    private static (byte, byte, byte) HslToRgb(double h, double s, double l)
    {
        var c = (1 - Math.Abs(2 * l - 1)) * s;
        var x = c * (1 - Math.Abs(h / 60 % 2 - 1));
        var m = l - c / 2;
        var (r, g, b) = h switch { < 60 => (c, x, 0.0), < 120 => (x, c, 0.0), < 180 => (0.0, c, x), < 240 => (0.0, x, c), < 300 => (x, 0.0, c), _ => (c, 0.0, x) };
        return ((byte)((r + m) * 255), (byte)((g + m) * 255), (byte)((b + m) * 255));
    }
}
