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
public sealed class RemoteActorResolver(FediLearnDbContext db, FederationHttp http, LocalKeyStore keys, TimeProvider time, VerifiedKeyCache verifiedKeys)
{
    public Task<RemoteActor?> FindCachedByKeyIdAsync(string keyId, CancellationToken ct) =>
        HotQueries.RemoteActorByKeyIdAsync(db, keyId);

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
        if (InvalidEndpoints(actor) is { } problem) throw new FetchException(FetchFailure.IdMismatch, problem);
        return await UpsertAsync(actor, key, ct);
    }

    /// <summary>The cached actor, or a fresh fetch when unknown or when <paramref name="refresh"/> is set.</summary>
    public async Task<RemoteActor> GetActorAsync(string actorUri, bool refresh, CancellationToken ct)
    {
        if (!refresh && await FindCachedAsync(actorUri, ct) is { } cached) return cached;
        // A typed or pasted URL can be no URL at all ("https://", a space in the host) or name something that is not an
        // actor (a post): both are failed fetches to the callers, which turn FetchException into their own one-line error.
        if (!Uri.TryCreate(actorUri, UriKind.Absolute, out var uri))
            throw new FetchException(FetchFailure.Malformed, $"\"{actorUri}\" is not a valid URL");
        var document = await FetchAsync(uri, ct);
        ActorDocument actor;
        try { actor = ActorDocument.Parse(document); }
        catch (ActivityJsonException e) { throw new FetchException(FetchFailure.NotActivityPub, e.Message, innerException: e); }
        if (InvalidEndpoints(actor) is { } problem) throw new FetchException(FetchFailure.IdMismatch, problem);
        return await UpsertAsync(actor, actor.PublicKeys.FirstOrDefault(k => k.Owner == actor.Id && SameOrigin(new Uri(k.Id), new Uri(actor.Id))), ct);
    }

    /// <summary>
    /// An actor's own Update of its document (received signed by that actor): the cache takes the new name, endpoints
    /// and key, checked as a fetched document is. The embedded object is trusted only because it is the signer's own
    /// document, so its id must be the signer; the inbox and shared inbox must be on its origin (else a forged Update
    /// could point our deliveries at a third party); a key must be owned by the actor and on its origin. The signer's
    /// current key is kept when the document still lists it; a document without any usable key leaves the key as it
    /// was (the next failing signature refetches it, security.md case 9). Returns the reason when it is refused.
    /// </summary>
    public async Task<string?> ApplyUpdateAsync(RemoteActor signer, JObject document, JToken? activityContext, CancellationToken ct)
    {
        // Mastodon embeds the actor without its own @context: it is the activity's.
        if (document["@context"] is null && activityContext is not null)
        {
            document = (JObject)document.DeepClone();
            document["@context"] = activityContext.DeepClone();
        }
        ActorDocument actor;
        try { actor = ActorDocument.Parse(document); }
        catch (ActivityJsonException e) { return e.Message; }
        if (actor.Id != signer.Uri) return $"the document is {actor.Id}, not the signer {signer.Uri}";
        if (InvalidEndpoints(actor) is { } problem) return problem;
        var actorUri = new Uri(actor.Id);
        var keys = actor.PublicKeys
            .Where(k => k.Owner == actor.Id && Uri.TryCreate(k.Id, UriKind.Absolute, out var keyUri) && SameOrigin(keyUri, actorUri))
            .ToList();
        var key = keys.FirstOrDefault(k => k.Id == signer.KeyId) ?? keys.FirstOrDefault();
        var row = await FindCachedAsync(actor.Id, ct);
        if (row is null) return "the signer is no longer cached";
        await UpsertAsync(actor, key ?? (row.KeyId is { } id && row.PublicKeyPem is { } pem ? new ActorPublicKey(id, actor.Id, pem) : null), ct);
        return null;
    }

    /// <summary>Deliveries go where the actor says only if that is on its own origin.</summary>
    private static string? InvalidEndpoints(ActorDocument actor)
    {
        var origin = new Uri(actor.Id);
        if (!SameOrigin(new Uri(actor.Inbox), origin)) return $"the inbox {actor.Inbox} is on another origin than {actor.Id}";
        if (actor.SharedInbox is { } shared && !SameOrigin(new Uri(shared), origin)) return $"the shared inbox {shared} is on another origin than {actor.Id}";
        return null;
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
        if (row is not null)
        {
            Apply(row, doc, key);
            await SaveAsync(ct);
            return row;
        }
        row = new RemoteActor { Uri = doc.Id };
        Apply(row, doc, key);
        db.RemoteActors.Add(row);
        try
        {
            await SaveAsync(ct);
            return row;
        }
        catch (DbUpdateException)
        {
            // Concurrent first deliveries from an unknown actor (a burst from a new server) each fetched it; one insert won.
            db.Entry(row).State = EntityState.Detached;
            var winner = await FindCachedAsync(doc.Id, ct) ?? throw new InvalidOperationException($"{doc.Id} could not be cached");
            Apply(winner, doc, key);
            await SaveAsync(ct);
            return winner;
        }
    }

    /// <summary>Saves a fetched actor; its key may have changed, so keys verified from memory are checked anew.</summary>
    private async Task SaveAsync(CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        verifiedKeys.Clear();
    }

    private void Apply(RemoteActor row, ActorDocument doc, ActorPublicKey? key)
    {
        row.Type = doc.Type;
        row.Host = new Uri(doc.Id).Authority.ToLowerInvariant();
        row.Username = doc.PreferredUsername;
        row.DisplayName = doc.Name;
        row.Inbox = doc.Inbox;
        row.SharedInbox = doc.SharedInbox;
        row.KeyId = key?.Id;
        row.PublicKeyPem = key?.PublicKeyPem;
        row.FetchedAt = time.GetUtcNow().UtcDateTime;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
