using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Signatures;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>
/// Finds remote actors and their keys: database cache first, otherwise a GET signed by our instance actor.
/// A fetched key must be claimed both ways (reference/signatures.md §1.3): the actor lists the keyId, the key names the actor as owner, same origin.
/// </summary>
public sealed class RemoteActorResolver(FediLearnDbContext db, FederationHttp http, LocalKeyStore keys, TimeProvider time)
{
    public Task<RemoteActor?> FindCachedByKeyIdAsync(string keyId, CancellationToken ct) =>
        db.RemoteActors.FirstOrDefaultAsync(a => a.KeyId == keyId, ct);

    public Task<RemoteActor?> FindCachedAsync(string actorUri, CancellationToken ct) =>
        db.RemoteActors.FirstOrDefaultAsync(a => a.Uri == actorUri, ct);

    /// <summary>Fetches the document the keyId points to and returns the owning actor, refreshed in the cache.</summary>
    public async Task<RemoteActor> FetchByKeyIdAsync(string keyId, CancellationToken ct)
    {
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var keyUri) || (keyUri.Scheme != "https" && keyUri.Scheme != "http"))
            throw new FetchException(FetchFailure.Malformed, $"keyId \"{keyId}\" is not an http(s) URL");
        var documentUri = new UriBuilder(keyUri) { Fragment = "" }.Uri;
        var document = await FetchAsync(documentUri, ct);
        if (ActivityJson.GetString(document, "inbox") is null && ActivityJson.GetString(document, "publicKeyPem") is { } && ActivityJson.GetId(document["owner"]) is { } owner)
        {
            // A standalone key document: the owner must be on the key's origin and must list this key.
            if (!SameOrigin(new Uri(owner), keyUri)) throw new FetchException(FetchFailure.IdMismatch, "key owner is on another origin than the keyId");
            document = await FetchAsync(new Uri(owner), ct);
        }
        var actor = ActorDocument.Parse(document);
        var key = actor.PublicKeys.FirstOrDefault(k => k.Id == keyId && k.Owner == actor.Id)
            ?? throw new FetchException(FetchFailure.IdMismatch, $"actor {actor.Id} does not list key {keyId}");
        if (!SameOrigin(new Uri(actor.Id), keyUri)) throw new FetchException(FetchFailure.IdMismatch, "keyId is on another origin than its actor");
        return await UpsertAsync(actor, key, ct);
    }

    /// <summary>The cached actor, or a fresh fetch when unknown or when <paramref name="refresh"/> is set.</summary>
    public async Task<RemoteActor> GetActorAsync(string actorUri, bool refresh, CancellationToken ct)
    {
        if (!refresh && await FindCachedAsync(actorUri, ct) is { } cached) return cached;
        var document = await FetchAsync(new Uri(actorUri), ct);
        var actor = ActorDocument.Parse(document);
        return await UpsertAsync(actor, actor.PublicKeys.FirstOrDefault(k => k.Owner == actor.Id), ct);
    }

    /// <summary>Resolves "name@host", "@name@host" or an actor URL.</summary>
    public async Task<RemoteActor> ResolveAsync(string handleOrUrl, CancellationToken ct)
    {
        var value = handleOrUrl.Trim();
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return await GetActorAsync(value, refresh: true, ct);
        var parts = value.TrimStart('@').Split('@');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new FetchException(FetchFailure.Malformed, $"\"{handleOrUrl}\" is neither name@host nor an actor URL");
        var finger = await http.Fetcher.WebFingerAsync(parts[0], parts[1], ct);
        return await GetActorAsync(finger.SelfHref.ToString(), refresh: true, ct);
    }

    /// <summary>Any ActivityStreams document, fetched signed by our instance actor with the fetcher's origin checks.</summary>
    public Task<JObject> FetchObjectAsync(Uri uri, CancellationToken ct) => FetchAsync(uri, ct);

    private async Task<JObject> FetchAsync(Uri uri, CancellationToken ct)
    {
        var instanceKey = await keys.GetInstanceKeyAsync(ct);
        return await http.Fetcher.FetchAsync(uri, request => request.Options.Set(SigningHandler.KeyOption, instanceKey), ct);
    }

    private async Task<RemoteActor> UpsertAsync(ActorDocument doc, ActorPublicKey? key, CancellationToken ct)
    {
        var row = await FindCachedAsync(doc.Id, ct);
        if (row is null)
        {
            row = new RemoteActor { Uri = doc.Id };
            db.RemoteActors.Add(row);
        }
        row.Type = doc.Type;
        row.Host = new Uri(doc.Id).Authority.ToLowerInvariant();
        row.Username = doc.PreferredUsername;
        row.DisplayName = doc.Name;
        row.Inbox = doc.Inbox;
        row.SharedInbox = doc.SharedInbox;
        row.KeyId = key?.Id;
        row.PublicKeyPem = key?.PublicKeyPem;
        row.FetchedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return row;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
