using System.Collections.Concurrent;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Federation;

/// <summary>
/// Who signed, or why not. <see cref="Signer"/> is the cached actor row; it is null when the key was found in the
/// <see cref="VerifiedKeyCache"/> (the inbox's path, which needs only <see cref="SignerUri"/>).
/// </summary>
public sealed record AuthenticationResult(int StatusCode, string? Error, RemoteActor? Signer, string? SignerUri)
{
    /// <summary>
    /// When the signature failed because fetching its key's document answered 410 Gone: that document's URL (the keyId
    /// without its fragment). The actor's own server then says the actor is deleted (security.md case 13).
    /// </summary>
    public string? GoneDocument { get; init; }

    public bool Succeeded => SignerUri is not null;
    public static AuthenticationResult Fail(int status, string error) => new(status, error, null, null);
    public static AuthenticationResult Of(RemoteActor signer) => new(0, null, signer, signer.Uri);
}

/// <summary>
/// Who signed this request? Structural checks first (no network), then the domain block list (403 before any fetch),
/// then the cached key, and exactly one refetch if it fails (key rotation, reference/signatures.md §1.3). Requests that
/// need the same keyId fetched at the same moment share one fetch (<see cref="KeyFetches"/>).
/// </summary>
public sealed class SignatureAuthenticator(
    FediLearnDbContext db, RemoteActorResolver resolver, KeyFetches keyFetches, TimeProvider time, ParsedKeyCache parsedKeys,
    VerifiedKeyCache verifiedKeys, ILogger<SignatureAuthenticator> logger)
{
    public Task<AuthenticationResult> AuthenticateAsync(SignedRequest request, CancellationToken ct) =>
        AuthenticateAsync(request, blocksCheckedLater: false, ct);

    /// <summary>
    /// With <paramref name="blocksCheckedLater"/> the caller checks the signer's domain against the block list itself
    /// before anything is stored (the inbox: <see cref="Inbox.InboxIntake"/>, once per committed batch), so a key that
    /// verified lately (<see cref="VerifiedKeyCache"/>) is checked with no database query. A key that is not in memory
    /// is looked up as usual, and the block list is still read before any fetch: no request reaches a blocked server.
    /// </summary>
    public async Task<AuthenticationResult> AuthenticateAsync(SignedRequest request, bool blocksCheckedLater, CancellationToken ct)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, time.GetUtcNow());
        if (inspection.Check is not { } check)
            return AuthenticationResult.Fail(inspection.StatusCode == 0 ? 401 : inspection.StatusCode, inspection.Error ?? "Invalid signature");

        if (!Uri.TryCreate(check.KeyId, UriKind.Absolute, out var keyUri))
            return AuthenticationResult.Fail(401, "keyId is not an absolute URL");
        if (blocksCheckedLater && verifiedKeys.TryGet(check.KeyId, out var known) && check.Verify(known.Key))
            return new AuthenticationResult(0, null, null, known.ActorUri);
        if (await IsBlockedAsync(keyUri.IdnHost, ct))
            return AuthenticationResult.Fail(403, "The signer's domain is blocked on this node");

        var generation = verifiedKeys.Generation;
        var cached = await resolver.FindCachedByKeyIdAsync(check.KeyId, ct);
        if (cached is not null && Verify(check, cached, generation))
            return AuthenticationResult.Of(cached);

        RemoteActor fresh;
        try
        {
            fresh = await keyFetches.FetchAsync(check.KeyId, ct);
        }
        catch (FetchException e)
        {
            logger.LogInformation("Could not fetch key {KeyId}: {Failure} {Message}", check.KeyId, e.Failure, e.Message);
            return AuthenticationResult.Fail(401, $"Could not fetch the signing key {check.KeyId}: {e.Message}") with
            {
                GoneDocument = e.Failure == FetchFailure.Gone ? keyUri.GetLeftPart(UriPartial.Query) : null,
            };
        }
        return Verify(check, fresh, verifiedKeys.Generation)
            ? AuthenticationResult.Of(fresh)
            : AuthenticationResult.Fail(401, "Signature verification failed");
    }

    public Task<bool> IsBlockedAsync(string host, CancellationToken ct) => IsBlockedAsync(db, host, ct);

    /// <summary>A node-wide domain block covers the domain and its subdomains.</summary>
    public static async Task<bool> IsBlockedAsync(FediLearnDbContext db, string host, CancellationToken ct)
    {
        host = host.ToLowerInvariant();
        await foreach (var d in HotQueries.BlockedDomainsAsync(db).WithCancellation(ct))
            if (Covers(d, host)) return true;
        return false;
    }

    /// <summary>Whether the blocked <paramref name="domain"/> covers <paramref name="host"/> (lower case): itself or a subdomain.</summary>
    public static bool Covers(string domain, string host) =>
        host == domain || (host.Length > domain.Length && host.EndsWith(domain, StringComparison.Ordinal) && host[^(domain.Length + 1)] == '.');

    private bool Verify(SignatureCheck check, RemoteActor actor, long generation)
    {
        if (actor.PublicKeyPem is not { } pem || actor.KeyId != check.KeyId || parsedKeys.Get(pem) is not { } key || !check.Verify(key))
            return false;
        verifiedKeys.Remember(check.KeyId, actor.Uri, key, generation);
        return true;
    }
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

/// <summary>
/// Keys that verified a signature lately, by keyId, with the actor that owns each (issue 7, inbox speed): the inbox
/// checks a known sender's signature without a database query. The database row stays the truth:
/// <list type="bullet">
/// <item>this process empties the cache whenever it stores a fetched actor or deletes one (<see cref="RemoteActorResolver"/>,
/// <see cref="Inbox.ActorDeletion"/>), so a rotated or deleted key is not used from memory after that;</item>
/// <item>a change made by another app node is seen when the entry expires, after <see cref="TimeToLive"/>; until then an
/// activity signed with a key that node dropped is stored, and the inbox worker drops it when its signer is gone;</item>
/// <item>a key that fails to verify is looked up and refetched as before, never trusted from memory.</item>
/// </list>
/// The domain block list is not cached here: the inbox checks it for each stored batch.
/// </summary>
public sealed class VerifiedKeyCache(TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);
    private const int MaxEntries = 10_000;

    public sealed record Entry(string ActorUri, VerificationKey Key, DateTimeOffset ExpiresAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Read before the database is queried and passed to <see cref="Remember"/>: a key read before a change
    /// this process made since is then not kept.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string keyId, out Entry entry)
    {
        if (_entries.TryGetValue(keyId, out entry!) && entry.ExpiresAt > time.GetUtcNow()) return true;
        entry = null!;
        return false;
    }

    public void Remember(string keyId, string actorUri, VerificationKey key, long generation)
    {
        if (generation != Generation) return;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        var entry = new Entry(actorUri, key, time.GetUtcNow() + TimeToLive);
        _entries[keyId] = entry;
        // A change that landed between the check above and the store has already cleared; drop what may predate it.
        if (generation != Generation) _entries.TryRemove(new KeyValuePair<string, Entry>(keyId, entry));
    }

    /// <summary>Called when this process stores or deletes a remote actor.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
