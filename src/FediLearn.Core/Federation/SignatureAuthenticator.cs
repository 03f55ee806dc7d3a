using System.Collections.Concurrent;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Federation;

public sealed record AuthenticationResult(int StatusCode, string? Error, RemoteActor? Signer)
{
    public bool Succeeded => Signer is not null;
    public static AuthenticationResult Fail(int status, string error) => new(status, error, null);
}

/// <summary>
/// Who signed this request? Structural checks first (no network), then the domain block list (403 before any fetch),
/// then the cached key, and exactly one refetch if it fails (key rotation, reference/signatures.md §1.3).
/// </summary>
public sealed class SignatureAuthenticator(
    FediLearnDbContext db, RemoteActorResolver resolver, TimeProvider time, ParsedKeyCache parsedKeys, ILogger<SignatureAuthenticator> logger)
{
    public async Task<AuthenticationResult> AuthenticateAsync(SignedRequest request, CancellationToken ct)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, time.GetUtcNow());
        if (inspection.Check is not { } check)
            return AuthenticationResult.Fail(inspection.StatusCode == 0 ? 401 : inspection.StatusCode, inspection.Error ?? "Invalid signature");

        if (!Uri.TryCreate(check.KeyId, UriKind.Absolute, out var keyUri))
            return AuthenticationResult.Fail(401, "keyId is not an absolute URL");
        if (await IsBlockedAsync(keyUri.IdnHost, ct))
            return AuthenticationResult.Fail(403, "The signer's domain is blocked on this node");

        var cached = await resolver.FindCachedByKeyIdAsync(check.KeyId, ct);
        if (cached is not null && Verify(check, cached))
            return new AuthenticationResult(0, null, cached);

        RemoteActor fresh;
        try
        {
            fresh = await resolver.FetchByKeyIdAsync(check.KeyId, ct);
        }
        catch (FetchException e)
        {
            logger.LogInformation("Could not fetch key {KeyId}: {Failure} {Message}", check.KeyId, e.Failure, e.Message);
            return AuthenticationResult.Fail(401, $"Could not fetch the signing key {check.KeyId}: {e.Message}");
        }
        return Verify(check, fresh)
            ? new AuthenticationResult(0, null, fresh)
            : AuthenticationResult.Fail(401, "Signature verification failed");
    }

    public Task<bool> IsBlockedAsync(string host, CancellationToken ct) => IsBlockedAsync(db, host, ct);

    /// <summary>A node-wide domain block covers the domain and its subdomains.</summary>
    public static async Task<bool> IsBlockedAsync(FediLearnDbContext db, string host, CancellationToken ct)
    {
        host = host.ToLowerInvariant();
        await foreach (var d in HotQueries.BlockedDomainsAsync(db).WithCancellation(ct))
            if (host == d || host.EndsWith("." + d, StringComparison.Ordinal)) return true;
        return false;
    }

    private bool Verify(SignatureCheck check, RemoteActor actor) =>
        actor.PublicKeyPem is { } pem && actor.KeyId == check.KeyId && parsedKeys.Get(pem) is { } key && check.Verify(key);
}

/// <summary>Parsed public keys by PEM text: RSA.ImportFromPem costs more than a verification and does not scale across threads.</summary>
public sealed class ParsedKeyCache
{
    private readonly ConcurrentDictionary<string, VerificationKey?> _keys = new(StringComparer.Ordinal);

    public VerificationKey? Get(string pem)
    {
        if (_keys.Count > 10_000) _keys.Clear();
        return _keys.GetOrAdd(pem, static p =>
        {
            try { return VerificationKey.FromPem(p); }
            catch (FormatException) { return null; }
        });
    }
}
