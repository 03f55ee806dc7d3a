using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FediLearn.Benchmarks;

/// <summary>
/// The remote "servers" of a fan-out: one Kestrel on 127.0.0.1 listening on a few ports; the path tells the
/// inboxes apart (http://127.0.0.1:P/{scenario}/inbox/{n}). Every POST is verified as a real receiver would:
/// draft-cavage / RFC 9421 inspection (digest, date window, coverage) and the RSA signature with the sender's
/// public key, fetched once from its actor document and cached parsed. Only verified requests are counted (202);
/// anything else gets 401, so a benchmark figure only counts work a real peer would accept.
/// </summary>
public sealed class SinkServer : IAsyncDisposable
{
    private const int MaxBody = 1024 * 1024;
    private readonly WebApplication _app;
    private readonly HttpClient _fetch = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, Lazy<Task<VerificationKey?>>> _keys = new(StringComparer.Ordinal);
    private SinkRun? _run;
    private long _rejected;
    private long _keyFetches;

    private readonly TimeSpan _delay;

    private SinkServer(WebApplication app, TimeSpan delay) => (_app, _delay) = (app, delay);

    /// <summary>How long every verified request waits before its 202 (zero: answered at once; a slow peer otherwise).</summary>
    public TimeSpan Delay => _delay;

    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>Requests refused (401/400) since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Actor documents fetched for keys since start (each keyId once).</summary>
    public long KeyFetches => Interlocked.Read(ref _keyFetches);

    /// <param name="delay">A slow remote server: each request is verified, then answered 202 only after this delay.</param>
    public static async Task<SinkServer> StartAsync(int portCount, TimeSpan delay = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            for (var i = 0; i < portCount; i++) kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var sink = new SinkServer(app, delay);
        app.MapPost("/{**path}", (Delegate)((HttpContext c) => sink.ReceiveAsync(c)));
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        sink.Ports = addresses.Select(a => new Uri(a).Port).Distinct().Order().ToArray();
        if (sink.Ports.Count != portCount) throw new InvalidOperationException($"sinks bound {string.Join(", ", addresses)}");
        return sink;
    }

    /// <summary>Starts counting a new measurement: completes when <paramref name="expectedInboxes"/> distinct paths were verified.</summary>
    public SinkRun Arm(int expectedInboxes)
    {
        var run = new SinkRun(expectedInboxes);
        Volatile.Write(ref _run, run);
        return run;
    }

    public void Disarm() => Volatile.Write(ref _run, null);

    /// <summary>Installs a key without fetching (the bare-client-only benchmark signs with a key of its own).</summary>
    public void AddKey(string keyId, VerificationKey key) =>
        _keys[keyId] = new Lazy<Task<VerificationKey?>>(Task.FromResult<VerificationKey?>(key));

    /// <summary>The key for a keyId: fetched once from the actor document (127.0.0.1 only), parsed once, cached.</summary>
    public Task<VerificationKey?> GetKeyAsync(string keyId) =>
        _keys.GetOrAdd(keyId, id => new Lazy<Task<VerificationKey?>>(() => FetchKeyAsync(id))).Value;

    private async Task<VerificationKey?> FetchKeyAsync(string keyId)
    {
        Interlocked.Increment(ref _keyFetches);
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri) || uri.Host != "127.0.0.1") return null;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri.GetLeftPart(UriPartial.Path));
        request.Headers.TryAddWithoutValidation("Accept", "application/activity+json");
        using var response = await _fetch.SendAsync(request);
        if (!response.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        if (!doc.RootElement.TryGetProperty("publicKey", out var publicKey)) return null;
        var keys = publicKey.ValueKind == JsonValueKind.Array ? publicKey.EnumerateArray().ToArray() : [publicKey];
        foreach (var k in keys)
        {
            if (k.TryGetProperty("id", out var id) && id.GetString() == keyId && k.TryGetProperty("publicKeyPem", out var pem))
                return VerificationKey.FromPem(pem.GetString()!);
        }
        return null;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var run = Volatile.Read(ref _run);
        var started = Stopwatch.GetTimestamp();
        run?.Enter();
        try
        {
            var body = await ReadBodyAsync(context.Request);
            if (body is null)
            {
                Reject(context, 413);
                return;
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in context.Request.Headers) headers[name] = values.ToString();
            var uri = new Uri($"http://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}");
            var inspection = HttpSignatureVerifier.Inspect(new SignedRequest("POST", uri, headers, body), DateTimeOffset.UtcNow);
            if (inspection.Check is not { } check)
            {
                Reject(context, inspection.StatusCode == 400 ? 400 : 401);
                return;
            }
            var key = await GetKeyAsync(check.KeyId);
            if (key is null || !check.Verify(key))
            {
                Reject(context, 401);
                return;
            }
            if (_delay > TimeSpan.Zero) await Task.Delay(_delay, context.RequestAborted);
            run?.Verified(context.Request.Path.Value ?? "");
            context.Response.StatusCode = 202;
        }
        finally
        {
            run?.Leave(Stopwatch.GetTimestamp() - started);
        }
    }

    private void Reject(HttpContext context, int status)
    {
        Interlocked.Increment(ref _rejected);
        context.Response.StatusCode = status;
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is > MaxBody) return null;
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        await request.Body.CopyToAsync(buffer);
        return buffer.Length > MaxBody ? null : buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _fetch.Dispose();
        foreach (var lazy in _keys.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result?.Dispose();
        }
    }
}

/// <summary>What the sinks saw during one measurement.</summary>
public sealed class SinkRun(int expectedInboxes)
{
    private readonly ConcurrentDictionary<string, byte> _paths = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _verified;
    private int _distinct;
    private int _inFlight;
    private int _maxInFlight;
    private long _busyTicks;
    private long _first = long.MaxValue;
    private long _last;

    public int Expected { get; } = expectedInboxes;
    public int VerifiedCount => Volatile.Read(ref _verified);
    public int Distinct => Volatile.Read(ref _distinct);
    public int Duplicates => VerifiedCount - Distinct;
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Stopwatch timestamps of the first and last verified 2xx.</summary>
    public long First => Interlocked.Read(ref _first);
    public long Last => Interlocked.Read(ref _last);

    /// <summary>Sum of the sinks' handler times (for the mean number of requests being handled at once).</summary>
    public TimeSpan Busy => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));

    public Task Done => _done.Task;

    internal void Enter()
    {
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max) { }
    }

    internal void Leave(long ticks)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Add(ref _busyTicks, ticks);
    }

    internal void Verified(string path)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _verified);
        long seen;
        while (now < (seen = Interlocked.Read(ref _first)) && Interlocked.CompareExchange(ref _first, now, seen) != seen) { }
        while (now > (seen = Interlocked.Read(ref _last)) && Interlocked.CompareExchange(ref _last, now, seen) != seen) { }
        if (_paths.TryAdd(path, 0) && Interlocked.Increment(ref _distinct) >= Expected) _done.TrySetResult();
    }
}
