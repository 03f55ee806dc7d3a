using System.Collections.Concurrent;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>Process-local, thread-safe <see cref="ISignatureSchemeStore"/>; hosts compare case-insensitively.</summary>
public sealed class InMemorySignatureSchemeStore : ISignatureSchemeStore
{
    private readonly ConcurrentDictionary<string, SignatureScheme> _schemes = new(StringComparer.OrdinalIgnoreCase);

    public SignatureScheme? Get(string host) =>
        _schemes.TryGetValue(host, out var scheme) ? scheme : null;

    public void Set(string host, SignatureScheme scheme) => _schemes[host] = scheme;
}
