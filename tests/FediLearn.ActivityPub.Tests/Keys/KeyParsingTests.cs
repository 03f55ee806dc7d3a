using System.Security.Cryptography;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Tests.Signatures;

namespace FediLearn.ActivityPub.Tests.Keys;

/// <summary>The key formats actor documents and our database hold (signatures.md §1.4, §2.4 B.1).</summary>
public class KeyParsingTests
{
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("hello");

    [Fact]
    public void Spki_rsa_public_key_parses()
    {
        using var key = VerificationKey.FromPem(TestVectors.RfcRsaPssPublicKey);

        Assert.Equal(KeyAlgorithm.Rsa, key.Algorithm);
        Assert.Equal(2048, key.KeySizeBits);
    }

    [Fact]
    public void Pkcs1_rsa_public_key_parses_and_verifies_like_its_spki_twin()
    {
        using var rsa = RSA.Create(2048);
        var signature = rsa.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var pkcs1 = VerificationKey.FromPem(rsa.ExportRSAPublicKeyPem());
        using var spki = VerificationKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem());

        Assert.StartsWith("-----BEGIN RSA PUBLIC KEY-----", rsa.ExportRSAPublicKeyPem());
        Assert.True(pkcs1.Verify(SignatureAlgorithm.RsaPkcs1Sha256, Data, signature));
        Assert.True(spki.Verify(SignatureAlgorithm.RsaPkcs1Sha256, Data, signature));
        Assert.False(spki.Verify(SignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes("hellO"), signature));
    }

    [Fact]
    public void Ec_p256_and_ed25519_spki_keys_parse()
    {
        using var ec = VerificationKey.FromPem(TestVectors.RfcEccP256PublicKey);
        using var ed = VerificationKey.FromPem(TestVectors.RfcEd25519PublicKey);

        Assert.Equal(KeyAlgorithm.EcdsaP256, ec.Algorithm);
        Assert.Equal(KeyAlgorithm.Ed25519, ed.Algorithm);
    }

    [Fact]
    public void Pkcs8_ed25519_private_key_yields_the_published_public_key()
    {
        using var key = SigningKey.FromPem("test-key-ed25519", TestVectors.RfcEd25519PrivateKey);

        Assert.Equal(KeyAlgorithm.Ed25519, key.Algorithm);
        Assert.Equal(TestVectors.RfcEd25519PublicKey.ReplaceLineEndings(""), key.ExportPublicKeyPem().ReplaceLineEndings(""));
    }

    [Fact]
    public void Pkcs8_and_pkcs1_rsa_private_keys_parse()
    {
        using var rsa = RSA.Create(2048);
        using var pkcs8 = SigningKey.FromPem("k", rsa.ExportPkcs8PrivateKeyPem());
        using var pkcs1 = SigningKey.FromPem("k", rsa.ExportRSAPrivateKeyPem());
        using var verifying = VerificationKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem());

        Assert.True(verifying.Verify(SignatureAlgorithm.RsaPkcs1Sha256, Data, pkcs8.Sign(SignatureAlgorithm.RsaPkcs1Sha256, Data)));
        Assert.True(verifying.Verify(SignatureAlgorithm.RsaPssSha512, Data, pkcs1.Sign(SignatureAlgorithm.RsaPssSha512, Data)));
    }

    [Fact]
    public void Pkcs8_ec_private_key_signs_in_both_ecdsa_encodings()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signing = SigningKey.FromPem("k", ec.ExportPkcs8PrivateKeyPem());
        using var verifying = signing.ToVerificationKey();

        Assert.Equal(KeyAlgorithm.EcdsaP256, signing.Algorithm);
        Assert.Equal(64, signing.Sign(SignatureAlgorithm.EcdsaP256Sha256, Data).Length);
        Assert.True(verifying.Verify(SignatureAlgorithm.EcdsaP256Sha256, Data, signing.Sign(SignatureAlgorithm.EcdsaP256Sha256, Data)));
        Assert.True(verifying.Verify(SignatureAlgorithm.EcdsaP256Sha256Der, Data, signing.Sign(SignatureAlgorithm.EcdsaP256Sha256Der, Data)));
    }

    [Fact]
    public void Ec_key_on_another_curve_is_rejected()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var e = Assert.Throws<FormatException>(() => VerificationKey.FromPem(ec.ExportSubjectPublicKeyInfoPem()));
        Assert.Contains("P-256", e.Message);
        Assert.Throws<FormatException>(() => SigningKey.FromPem("k", ec.ExportPkcs8PrivateKeyPem()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")]
    [InlineData("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----")]
    public void Bad_public_key_pem_is_a_format_exception_with_a_message(string pem)
    {
        var e = Assert.Throws<FormatException>(() => VerificationKey.FromPem(pem));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
    [InlineData("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----")]
    public void Bad_private_key_pem_is_a_format_exception(string pem)
    {
        Assert.Throws<FormatException>(() => SigningKey.FromPem("k", pem));
    }

    [Fact]
    public void Raw_key_constructors_check_lengths()
    {
        Assert.Throws<FormatException>(() => VerificationKey.FromEd25519(new byte[31]));
        Assert.Throws<FormatException>(() => SigningKey.FromEd25519Seed("k", new byte[33]));
        Assert.Throws<FormatException>(() => VerificationKey.FromHmacSecret([]));
    }

    [Fact]
    public void Wrong_key_type_verifies_false_instead_of_throwing()
    {
        using var ed = VerificationKey.FromPem(TestVectors.RfcEd25519PublicKey);
        using var ec = VerificationKey.FromPem(TestVectors.RfcEccP256PublicKey);

        Assert.False(ed.Verify(SignatureAlgorithm.RsaPkcs1Sha256, Data, new byte[256]));
        Assert.False(ec.Verify(SignatureAlgorithm.EcdsaP256Sha256, Data, new byte[3]));
        Assert.False(ed.Verify(SignatureAlgorithm.Ed25519, Data, new byte[10]));
    }

    [Fact]
    public void Generated_ed25519_pair_signs_and_verifies()
    {
        var (seed, publicKey) = KeyGenerator.NewEd25519();
        using var signing = SigningKey.FromEd25519Seed("k", seed);
        using var verifying = VerificationKey.FromEd25519(publicKey);
        var signature = signing.Sign(SignatureAlgorithm.Ed25519, Data);

        Assert.Equal(32, seed.Length);
        Assert.True(verifying.Verify(SignatureAlgorithm.Ed25519, Data, signature));
        Assert.False(verifying.Verify(SignatureAlgorithm.Ed25519, Encoding.UTF8.GetBytes("hellO"), signature));
    }

    [Fact]
    public void Hmac_key_has_no_public_pem()
    {
        using var key = SigningKey.FromHmacSecret("k", [1, 2, 3]);

        Assert.Throws<InvalidOperationException>(() => key.ExportPublicKeyPem());
    }
}
