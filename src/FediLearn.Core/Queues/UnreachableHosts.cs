using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using FediLearn.ActivityPub.Http;

namespace FediLearn.Core.Queues;

/// <summary>
/// Hosts that could not be connected to at all (connection refused, no route, no such name), and since when. Every
/// delivery is signed before its connection is tried, so a server that is down cost one RSA signature (~240 µs of CPU,
/// performance.md) per job for nothing: fifty followers on five stopped servers made fifty signatures in the middle of
/// a fan-out, and each retry round as many again. For <see cref="Pause"/> after such a failure the host's other jobs are
/// not sent: they are recorded as failed attempts with the reason, and retried with the usual backoff. Mastodon's delivery
/// worker has a per-host circuit breaker too (Stoplight: after 10 failures of any kind, 60 s); a connection that cannot
/// be made at all is a clearer sign than an error status, so here one is enough. Any HTTP answer from the host, even an
/// error, clears it; a server that answers slowly is not unreachable and is not paused (SlowRequests handles those).
/// In memory and per process: after a restart the first job to the host finds out again.
/// </summary>
public sealed class UnreachableHosts(TimeProvider time, TimeSpan pause)
{
    private readonly ConcurrentDictionary<string, (long AtMs, string Reason)> _failed = new(StringComparer.OrdinalIgnoreCase);

    // Set at the first failure, so that a node whose peers all answer never touches the dictionary on its hot path
    // (ConcurrentDictionary.IsEmpty takes every lock when the dictionary is empty); look-ups are lock-free after that.
    private volatile bool _any;

    public TimeSpan Pause { get; } = pause;

    /// <summary>Whether <paramref name="e"/> means no connection could be made, as opposed to a slow, broken or refusing answer.</summary>
    public static bool IsConnectFailure(Exception e) => e switch
    {
        BlockedAddressException => false, // our own refusal to dial, decided before any connection
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
        HttpRequestException { InnerException: SocketException s } => IsConnectFailure(s),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostNotFound } => true,
        _ => false,
    };

    /// <summary>A connection to <paramref name="host"/> just failed.</summary>
    public void Failed(string host, string reason)
    {
        _failed[host] = (time.GetUtcNow().ToUnixTimeMilliseconds(), reason);
        _any = true;
    }

    /// <summary><paramref name="host"/> answered: it is reachable again.</summary>
    public void Answered(string host)
    {
        if (_any && _failed.ContainsKey(host)) _failed.TryRemove(host, out _);
    }

    /// <summary>Why a job to <paramref name="host"/> should not be sent now, or null when it should.</summary>
    public string? WhyNotNow(string host)
    {
        if (!_any || !_failed.TryGetValue(host, out var failed)) return null;
        var ago = time.GetUtcNow().ToUnixTimeMilliseconds() - failed.AtMs;
        if (ago >= Pause.TotalMilliseconds)
        {
            _failed.TryRemove(KeyValuePair.Create(host, failed));
            return null;
        }
        return string.Create(CultureInfo.InvariantCulture, $"not sent: connecting to {host} failed {Math.Max(0, ago) / 1000.0:0.#} s ago ({failed.Reason}); its deliveries wait {Pause.TotalSeconds:0.#} s after such a failure");
    }
}
