using System.Collections.Concurrent;
using FediLearn.Core.Data.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Federation;

/// <summary>
/// One fetch of a keyId's document at a time in this process, however many requests wait for it (performance.md, "Key
/// fetches": exactly one per new keyId under concurrent first contact). A new server's first burst (a Mastodon instance
/// delivering a dozen replies at once, or a relay) used to send one GET per request to the same actor document, each
/// followed by its own upsert that all but one lost. Now the first request starts the fetch and the others wait for it;
/// each still verifies its own signature against the key that comes back, so a forged request among them is refused as
/// before. A key rotation's refetch is shared the same way.
/// <para>
/// The fetch runs in a scope of its own and is not cancelled when the request that started it gives up (the others may
/// still be waiting): the outbound client's timeouts bound it. A failure reaches every waiter, and the next request after
/// it starts a new fetch. The actor it returns belongs to no caller's context: callers read it, never save it.
/// </para>
/// </summary>
public sealed class KeyFetches(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<string, Task<RemoteActor>> _inFlight = new(StringComparer.Ordinal);
    private long _started;

    /// <summary>Fetches started since the process started (requests that joined one in flight are not counted).</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary><see cref="RemoteActorResolver.FetchByKeyIdAsync"/>, shared with every other request for the same keyId meanwhile.</summary>
    public Task<RemoteActor> FetchAsync(string keyId, CancellationToken ct)
    {
        var mine = new TaskCompletionSource<RemoteActor>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inFlight.GetOrAdd(keyId, mine.Task);
        if (shared == mine.Task) _ = RunAsync(keyId, mine);
        return shared.WaitAsync(ct);
    }

    private async Task RunAsync(string keyId, TaskCompletionSource<RemoteActor> fetch)
    {
        Interlocked.Increment(ref _started);
        try
        {
            RemoteActor actor;
            using (var scope = scopes.CreateScope())
                actor = await scope.ServiceProvider.GetRequiredService<RemoteActorResolver>().FetchByKeyIdAsync(keyId, CancellationToken.None);
            // Out of the map before the waiters go on: a request that comes after them fetches again if it must (its
            // signature failed against this key, or it names another one), rather than getting this answer twice.
            _inFlight.TryRemove(new KeyValuePair<string, Task<RemoteActor>>(keyId, fetch.Task));
            fetch.SetResult(actor);
        }
        catch (Exception e)
        {
            _inFlight.TryRemove(new KeyValuePair<string, Task<RemoteActor>>(keyId, fetch.Task));
            fetch.SetException(e);
        }
    }
}
