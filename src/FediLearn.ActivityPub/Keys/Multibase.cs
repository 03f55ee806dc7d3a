using System.Numerics;

namespace FediLearn.ActivityPub.Keys;

/// <summary>
/// Multibase base58btc ("z" prefix) and the Ed25519 Multikey encoding of FEP-521a §publicKeyMultibase:
/// "z" + base58btc(multicodec varint 0xed 0x01 + 32-byte key), hence the familiar "z6Mk…".
/// </summary>
public static class Multibase
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly byte[] Ed25519PublicPrefix = [0xed, 0x01];

    public static string EncodeEd25519PublicKey(byte[] raw32)
    {
        Ed25519.RequireLength(raw32, Ed25519.KeySize, "An Ed25519 public key");
        return "z" + Base58Encode([.. Ed25519PublicPrefix, .. raw32]);
    }

    public static byte[] DecodeEd25519PublicKey(string value)
    {
        if (string.IsNullOrEmpty(value) || value[0] != 'z')
        {
            throw new FormatException("A multibase Ed25519 key must start with 'z' (base58btc).");
        }

        var bytes = Base58Decode(value[1..]);
        if (bytes.Length < 2 || bytes[0] != Ed25519PublicPrefix[0] || bytes[1] != Ed25519PublicPrefix[1])
        {
            throw new FormatException("The multikey is not an Ed25519 public key (multicodec prefix 0xed01 expected).");
        }

        if (bytes.Length != 2 + Ed25519.KeySize)
        {
            throw new FormatException($"An Ed25519 multikey must hold 32 key bytes, got {bytes.Length - 2}.");
        }

        return bytes[2..];
    }

    /// <summary>Bitcoin base58: leading zero bytes become leading '1's, the rest is a big-endian number.</summary>
    public static string Base58Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        var number = new BigInteger(data[zeros..], isUnsigned: true, isBigEndian: true);
        var digits = new List<char>();
        while (number > 0)
        {
            number = BigInteger.DivRem(number, 58, out var remainder);
            digits.Add(Alphabet[(int)remainder]);
        }

        digits.AddRange(Enumerable.Repeat('1', zeros));
        digits.Reverse();
        return new string([.. digits]);
    }

    public static byte[] Base58Decode(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == '1')
        {
            zeros++;
        }

        var number = BigInteger.Zero;
        foreach (var c in data.AsSpan(zeros))
        {
            var digit = Alphabet.IndexOf(c);
            if (digit < 0)
            {
                throw new FormatException($"'{c}' is not a base58btc character.");
            }

            number = (number * 58) + digit;
        }

        var tail = number.IsZero ? [] : number.ToByteArray(isUnsigned: true, isBigEndian: true);
        return [.. new byte[zeros], .. tail];
    }
}
