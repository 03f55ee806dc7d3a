using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Federation;

namespace FediLearn.Core.Tests;

/// <summary>The inbox's in-memory keys: they expire, and a key read before a change this process made is not kept.</summary>
public sealed class VerifiedKeyCacheTests
{
    private const string KeyId = "https://a.example/users/eve#main-key";
    private const string Actor = "https://a.example/users/eve";
    private static readonly VerificationKey Key = VerificationKey.FromPem(KeyGenerator.NewRsa2048().PublicKeyPem);

    [Fact]
    public void A_key_is_held_until_its_time_to_live_runs_out()
    {
        var clock = new ManualClock();
        var cache = new VerifiedKeyCache(clock);
        cache.Remember(KeyId, Actor, Key, cache.Generation);

        clock.Now += VerifiedKeyCache.TimeToLive - TimeSpan.FromSeconds(1);
        Assert.True(cache.TryGet(KeyId, out var entry));
        Assert.Equal(Actor, entry.ActorUri);

        clock.Now += TimeSpan.FromSeconds(2);
        Assert.False(cache.TryGet(KeyId, out _));
    }

    [Fact]
    public void A_key_read_before_a_clear_is_not_kept()
    {
        var cache = new VerifiedKeyCache(new ManualClock());
        var generation = cache.Generation;
        cache.Clear(); // an actor stored or deleted while the key was being read and verified

        cache.Remember(KeyId, Actor, Key, generation);

        Assert.False(cache.TryGet(KeyId, out _));
        cache.Remember(KeyId, Actor, Key, cache.Generation);
        Assert.True(cache.TryGet(KeyId, out _));
        cache.Clear();
        Assert.False(cache.TryGet(KeyId, out _));
    }
}
