using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace FediLearn.Browser.Tests;

/// <summary>
/// A visitor's home server for the remote-follow tests: a real Kestrel on 127.0.0.1:0 that answers WebFinger for one
/// account (with or without the OStatus subscribe template Mastodon publishes) and serves its follow dialog page.
/// </summary>
public sealed class WebFingerPeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebFingerPeer(WebApplication app) => _app = app;

    public string Origin { get; private set; } = "";
    public string Authority => new Uri(Origin).Authority;
    public string User { get; } = "learner";
    public string Handle => $"@{User}@{Authority}";

    /// <summary>When false the JRD lists only the actor's self link, as a server without a follow dialog template does.</summary>
    public bool WithTemplate { get; set; } = true;

    public static async Task<WebFingerPeer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var peer = new WebFingerPeer(app);
        app.MapGet("/.well-known/webfinger", (string? resource) =>
        {
            if (resource != $"acct:{peer.User}@{peer.Authority}") return Results.NotFound();
            var links = new JArray(new JObject { ["rel"] = "self", ["type"] = "application/activity+json", ["href"] = $"{peer.Origin}/users/{peer.User}" });
            if (peer.WithTemplate)
                links.Add(new JObject { ["rel"] = "http://ostatus.org/schema/1.0/subscribe", ["template"] = $"{peer.Origin}/authorize_interaction?uri={{uri}}" });
            var jrd = new JObject { ["subject"] = resource, ["links"] = links };
            return Results.Text(jrd.ToString(), "application/jrd+json");
        });
        app.MapGet("/authorize_interaction", (string? uri) =>
            Results.Content($"<!DOCTYPE html><html lang=\"en\"><title>Follow</title><h1>Follow {System.Net.WebUtility.HtmlEncode(uri)}?</h1></html>", "text/html"));
        await app.StartAsync();
        peer.Origin = app.Urls.First().TrimEnd('/');
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
