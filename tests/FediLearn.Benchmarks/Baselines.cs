using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;

namespace FediLearn.Benchmarks;

/// <summary>Baseline A: what this machine's CPU allows, RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second.</summary>
public static class RsaBaseline
{
    // A draft-cavage signing string of the size FediLearn signs for a delivery.
    private static readonly byte[] SigningString = Encoding.UTF8.GetBytes(
        "(request-target): post /s1/inbox/123\nhost: 127.0.0.1:40000\ndate: Tue, 07 Jun 2026 20:51:35 GMT\n" +
        "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-type: application/activity+json");

    /// <summary>Signatures per second on <paramref name="threads"/> threads, each with its own RSA instance, for about <paramref name="duration"/>.</summary>
    public static double SignaturesPerSecond(string privateKeyPem, int threads, TimeSpan duration)
    {
        var counts = new long[threads];
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim();
        var workers = new Thread[threads];
        long deadline = 0;
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            workers[t] = new Thread(() =>
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(privateKeyPem);
                rsa.SignData(SigningString, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1); // warm
                ready.Signal();
                go.Wait();
                long n = 0;
                const int maxPerThread = 10_000_000; // bound, never reached
                while (Stopwatch.GetTimestamp() < Volatile.Read(ref deadline) && n < maxPerThread)
                {
                    rsa.SignData(SigningString, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    n++;
                }
                counts[index] = n;
            }) { IsBackground = true, Name = $"rsa-{t}" };
            workers[t].Start();
        }
        ready.Wait();
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref deadline, start + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        go.Set();
        foreach (var w in workers) w.Join();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return counts.Sum() / elapsed;
    }
}

/// <summary>Result of one bare-client pass.</summary>
public sealed record BareResult(int Inboxes, double Seconds, double PerSecond, int Failures, int Duplicates, TimeSpan OwnCpu, int MaxInFlight);

/// <summary>
/// Baseline B: a bare signed-POST client. One HttpClient, 16 concurrent senders (FediLearn's delivery concurrency),
/// each request freshly draft-cavage signed (HttpSignatureSigner, the same code FediLearn signs with), to the same
/// verifying sinks. No database, no queue: the ceiling for delivery on this machine.
/// </summary>
public sealed class BareClient : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    }) { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<BareResult> RunAsync(SinkServer sinks, IReadOnlyList<string> inboxes, byte[] body, SigningKey key, int concurrency, TimeSpan timeout, CancellationToken ct)
    {
        var run = sinks.Arm(inboxes.Count);
        var failures = 0;
        var next = -1;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= inboxes.Count) return;
                using var request = new HttpRequestMessage(HttpMethod.Post, inboxes[i]) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/activity+json");
                HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
                try
                {
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, limit.Token)).ToArray();
        await Task.WhenAll(workers).WaitAsync(limit.Token);
        await run.Done.WaitAsync(TimeSpan.FromSeconds(5), limit.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        sinks.Disarm();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        if (run.Distinct < inboxes.Count)
            throw new InvalidOperationException($"bare client: only {run.Distinct} of {inboxes.Count} inboxes verified ({failures} failures)");
        var seconds = Stopwatch.GetElapsedTime(start, run.Last).TotalSeconds;
        return new BareResult(inboxes.Count, seconds, inboxes.Count / seconds, failures, run.Duplicates, cpu, run.MaxInFlight);
    }

    /// <summary>One signed POST, optionally tampered after signing; returns the status the sink answered.</summary>
    public async Task<int> SendOnceAsync(string inbox, byte[] body, SigningKey key, Func<byte[], byte[]>? tamperBody, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/activity+json");
        HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
        if (tamperBody is not null)
        {
            var headers = request.Content.Headers.ToList();
            request.Content = new ByteArrayContent(tamperBody(body));
            foreach (var (name, values) in headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) request.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }
        using var response = await _client.SendAsync(request, ct);
        return (int)response.StatusCode;
    }

    public void Dispose() => _client.Dispose();
}
