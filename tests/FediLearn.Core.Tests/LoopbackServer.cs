using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1:&lt;free port&gt; standing in for a remote one: it counts every request per path,
/// then lets <see cref="HandleAsync"/> answer.
/// </summary>
internal abstract class LoopbackServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private WebApplication? _app;

    public string Origin { get; private set; } = "";
    public string Host => new Uri(Origin).Authority;
    public int Hits(string path) => _hits.GetValueOrDefault(path);
    public int TotalHits => _hits.Values.Sum();

    protected abstract Task HandleAsync(HttpContext context);

    protected async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context =>
        {
            _hits.AddOrUpdate(context.Request.Path.Value ?? "/", 1, (_, n) => n + 1);
            return HandleAsync(context);
        });
        await app.StartAsync();
        _app = app;
        Origin = app.Urls.First().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
