using System.Text;
using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// A parsed, structurally valid signature awaiting its key. The caller resolves <see cref="KeyId"/>
/// (cache, then one refetch on failure: federation.md item 22) and calls <see cref="Verify"/>.
/// </summary>
public sealed class SignatureCheck
{
    private readonly IReadOnlyList<byte[]> _inputs;
    private readonly byte[] _signature;
    private readonly Func<KeyAlgorithm, IReadOnlyList<SignatureAlgorithm>> _algorithmsFor;

    internal SignatureCheck(
        SignatureScheme scheme,
        string keyId,
        IReadOnlyList<string> signingInputs,
        byte[] signature,
        Func<KeyAlgorithm, IReadOnlyList<SignatureAlgorithm>> algorithmsFor)
    {
        Scheme = scheme;
        KeyId = keyId;
        SigningInputs = signingInputs;
        _inputs = signingInputs.Select(Encoding.UTF8.GetBytes).ToArray();
        _signature = signature;
        _algorithmsFor = algorithmsFor;
    }

    public SignatureScheme Scheme { get; }

    public string KeyId { get; }

    /// <summary>
    /// The signing strings (cavage) or signature bases (RFC 9421) accepted, in order. More than one
    /// only for cavage (request-target) with a query: Mastodon also accepts it signed without the query.
    /// </summary>
    internal IReadOnlyList<string> SigningInputs { get; }

    /// <summary>True iff the signature verifies with <paramref name="key"/>; false for a key of the wrong type.</summary>
    public bool Verify(VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var algorithm in _algorithmsFor(key.Algorithm))
        {
            foreach (var input in _inputs)
            {
                if (key.Verify(algorithm, input, _signature))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
