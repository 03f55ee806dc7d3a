using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FediLearn.Benchmarks;

/// <summary>
/// The reference of `reads`: a bare ASP.NET Core minimal-API Kestrel (slim builder, no logging, no middleware) answering
/// GET /{n} with the bytes and Content-Type FediLearn answered for URL n, read once from a folder (n.body, n.type).
/// It runs in its own process (this program again, hidden verb), like the FediLearn server, so neither shares the load
/// generator's process; it prints "listening on http://127.0.0.1:port" and stops when its stdin closes.
/// </summary>
public static class BareReadServer
{
    public const string Verb = "bare-read-server";

    public static async Task<int> RunAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        foreach (var file in Directory.GetFiles(folder, "*.body"))
        {
            var n = Path.GetFileNameWithoutExtension(file);
            var bytes = await File.ReadAllBytesAsync(file);
            var type = await File.ReadAllTextAsync(Path.ChangeExtension(file, ".type"));
            app.MapGet("/" + n, () => Results.Bytes(bytes, type));
        }
        await app.StartAsync();
        Console.WriteLine($"listening on {app.Urls.First()}");
        await Console.In.ReadToEndAsync(); // until the benchmark closes stdin or ends
        await app.StopAsync();
        return 0;
    }

    /// <summary>Starts the bare server process on <paramref name="folder"/>, with FediLearn's GC mode; returns it and its base URL.</summary>
    public static async Task<(Process Process, Uri BaseUrl)> StartAsync(string folder, bool serverGc, CancellationToken ct)
    {
        var self = typeof(BareReadServer).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(self);
        info.ArgumentList.Add(Verb);
        info.ArgumentList.Add(folder);
        info.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the bare server");
        var line = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
            throw new InvalidOperationException($"bare server did not start: {line}");
        return (process, new Uri(line["listening on ".Length..].TrimEnd('/') + "/"));
    }
}
