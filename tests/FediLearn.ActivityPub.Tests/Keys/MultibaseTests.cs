using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Tests.Keys;

/// <summary>FEP-521a Multikey vectors (security.md case 20; signatures.md §3.4).</summary>
public class MultibaseTests
{
    private const string Fep521aKey = "2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6";
    private const string Fep521aMultibase = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    [Fact]
    public void Fep521a_ed25519_key_encodes_to_the_published_multibase()
    {
        Assert.Equal(Fep521aMultibase, Multibase.EncodeEd25519PublicKey(Convert.FromHexString(Fep521aKey)));
    }

    [Fact]
    public void Fep521a_multibase_decodes_back_to_the_key()
    {
        Assert.Equal(Fep521aKey, Convert.ToHexStringLower(Multibase.DecodeEd25519PublicKey(Fep521aMultibase)));
    }

    [Fact]
    public void Fep8b32_public_key_decodes_to_its_raw_bytes()
    {
        Assert.Equal(
            "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f",
            Convert.ToHexStringLower(Multibase.DecodeEd25519PublicKey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")));
    }

    [Theory]
    [InlineData("f6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")] // not base58btc
    [InlineData("6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")] // no multibase prefix
    [InlineData("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")] // ed25519-priv multicodec (0x8026)
    [InlineData("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do")] // truncated
    [InlineData("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doKK")] // too long
    [InlineData("z0OIl")] // not in the alphabet
    [InlineData("")]
    public void Wrong_prefix_alphabet_or_length_is_rejected(string value)
    {
        Assert.Throws<FormatException>(() => Multibase.DecodeEd25519PublicKey(value));
        Assert.Throws<FormatException>(() => VerificationKey.FromMultibase(value));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("00", "1")]
    [InlineData("0000ff", "115Q")]
    [InlineData("61", "2g")]
    [InlineData("626262", "a3gV")]
    public void Base58_keeps_leading_zero_bytes(string hex, string encoded)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Equal(encoded, Multibase.Base58Encode(bytes));
        Assert.Equal(bytes, Multibase.Base58Decode(encoded));
    }

    [Fact]
    public void Generated_ed25519_key_round_trips_through_multibase()
    {
        var (_, publicKey) = KeyGenerator.NewEd25519();

        var encoded = Multibase.EncodeEd25519PublicKey(publicKey);

        Assert.StartsWith("z6Mk", encoded);
        Assert.Equal(publicKey, Multibase.DecodeEd25519PublicKey(encoded));
    }
}
