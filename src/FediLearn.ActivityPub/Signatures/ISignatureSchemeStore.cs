namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Remembers per host which signature format it accepted, so double-knocking costs one extra request
/// per host and not per delivery (federation.md item 20, signatures.md §2.1 "remember per origin").
/// </summary>
public interface ISignatureSchemeStore
{
    SignatureScheme? Get(string host);

    void Set(string host, SignatureScheme scheme);
}
