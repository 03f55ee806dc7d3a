using System.Collections.Concurrent;
using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Federation;

/// <summary>Parsed signing keys of our actors. Parsing a PEM costs ~6 RSA verifications, so each key is parsed once per process.</summary>
public sealed class LocalKeyStore(IServiceScopeFactory scopes, ActorUrls urls)
{
    private readonly ConcurrentDictionary<long, SigningKey> _keys = new();
    private SigningKey? _instanceKey;

    public SigningKey Get(LocalActor actor) =>
        _keys.GetOrAdd(actor.Id, _ => SigningKey.FromPem(urls.MainKey(actor), actor.RsaPrivateKeyPem));

    public async Task<SigningKey> GetAsync(long actorId, CancellationToken ct)
    {
        if (_keys.TryGetValue(actorId, out var key)) return key;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var actor = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == actorId, ct);
        return Get(actor);
    }

    /// <summary>The instance actor signs our outgoing GETs (federation.md item 20).</summary>
    public async Task<SigningKey> GetInstanceKeyAsync(CancellationToken ct)
    {
        if (_instanceKey is not null) return _instanceKey;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var actor = await db.LocalActors.AsNoTracking().FirstAsync(a => a.Kind == ActorKind.Application, ct);
        return _instanceKey = Get(actor);
    }
}
