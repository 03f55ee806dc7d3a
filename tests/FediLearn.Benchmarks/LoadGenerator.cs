using System.Diagnostics;
using System.Net;

namespace FediLearn.Benchmarks;

/// <summary>One load run: GETs answered 200 with the expected size, per second, and latency percentiles.</summary>
public sealed record LoadResult(long Ok, long Errors, double Seconds, double PerSecond, double P50Ms, double P99Ms, double MaxMs, string ErrorSample);

/// <summary>
/// The load generator of `reads`: <c>connections</c> concurrent loops in this process, each sending the next GET when the
/// previous answer is read in full, over one HttpClient (SocketsHttpHandler, MaxConnectionsPerServer = connections), for
/// a fixed duration. The same generator loads FediLearn and the bare endpoint. An answer counts only when it is 200 with
/// exactly the expected number of bytes; anything else (a 429 included) is an error and invalidates the run.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly int _connections;
    private readonly HttpClient _client;

    public LoadGenerator(int connections)
    {
        _connections = connections;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<LoadResult> RunAsync(Uri url, string? accept, int expectedBytes, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new List<long>[_connections];
        var errors = new long[_connections];
        string errorSample = "";
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, _connections).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(65_536);
            var buffer = new byte[Math.Max(16_384, expectedBytes + 1)];
            while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    await using var body = await response.Content.ReadAsStreamAsync(ct);
                    var total = 0;
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(Math.Min(total, buffer.Length - 1)), ct)) > 0) total += read;
                    if ((int)response.StatusCode == 200 && total == expectedBytes) mine.Add(Stopwatch.GetTimestamp() - sent);
                    else
                    {
                        errors[w]++;
                        errorSample = $"{(int)response.StatusCode}, {total} bytes (expected 200, {expectedBytes})";
                    }
                }
                catch (HttpRequestException e)
                {
                    errors[w]++;
                    errorSample = e.Message;
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        ct.ThrowIfCancellationRequested();
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new LoadResult(all.Length, errors.Sum(), seconds, all.Length / seconds, Ms(0.50), Ms(0.99), all.Length == 0 ? double.NaN : all[^1] * 1000.0 / Stopwatch.Frequency, errorSample);
    }

    public void Dispose() => _client.Dispose();
}
