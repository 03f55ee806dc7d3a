using System.Collections.Concurrent;
using FediLearn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FediLearn.Web.Tests;

/// <summary>
/// Many remote inboxes on a few ports of 127.0.0.1 (each port a different host to the delivery worker): records every
/// POST per inbox path, as received (before answering), and answers 202 after <see cref="Delay"/>, so that deliveries
/// take long enough for a test to act in the middle of a fan-out.
/// </summary>
internal sealed class CountingSink : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedRequest>> _byInbox = new();
    private int _total;

    private CountingSink() { }

    public TimeSpan Delay { get; set; }

    /// <summary>One origin per port, e.g. "http://127.0.0.1:41234".</summary>
    public List<string> Origins { get; } = [];

    public int Total => Volatile.Read(ref _total);

    /// <summary>Inbox URLs that received at least one POST.</summary>
    public int DistinctInboxes => _byInbox.Count;

    public IReadOnlyDictionary<string, ReceivedRequest[]> Snapshot() => _byInbox.ToDictionary(p => p.Key, p => p.Value.ToArray());

    public static async Task<CountingSink> StartAsync(int ports, TimeSpan delay)
    {
        var sink = new CountingSink { Delay = delay };
        for (var i = 0; i < ports; i++)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/{**path}", (Delegate)((HttpContext c) => sink.ReceiveAsync(c)));
            await app.StartAsync();
            sink._apps.Add(app);
            sink.Origins.Add(app.Urls.First().TrimEnd('/'));
        }
        return sink;
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var inbox = $"http://{context.Request.Host}{context.Request.Path}";
        var received = new ReceivedRequest(context.Request.Path, FediLearn.ActivityPub.Json.ActivityJson.Parse(body), headers, body, 202, DateTimeOffset.UtcNow);
        _byInbox.GetOrAdd(inbox, _ => new ConcurrentQueue<ReceivedRequest>()).Enqueue(received);
        Interlocked.Increment(ref _total);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        return Results.StatusCode(202);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
    }
}
