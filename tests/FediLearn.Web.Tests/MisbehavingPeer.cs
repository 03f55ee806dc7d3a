using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FediLearn.ActivityPub.Keys;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

/// <summary>How a <see cref="MisbehavingPeer"/> answers its inbox and its broken actor.</summary>
public enum Misbehaviour { Hang, Drip, EndlessRedirects, HugeBody, DeepNesting, CloseMidBody }

/// <summary>One request the peer saw, from its first byte until the node hung up or the peer did.</summary>
public sealed class PeerExchange(string method, string path, string body, DateTimeOffset start)
{
    public string Method { get; } = method;
    public string Path { get; } = path;
    public string Body { get; } = body;
    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset? End { get; set; }
    public long BytesWritten { get; set; }
    public TimeSpan? Duration => End - Start;
    public string? ActivityType => Body.Length > 0 && Body.TrimStart().StartsWith('{') ? JObject.Parse(Body).Value<string>("type") : null;
    public override string ToString() => $"{Method} {Path} {ActivityType} {Duration?.TotalSeconds:0.00}s {BytesWritten} bytes";
}

/// <summary>
/// A remote server that misbehaves at the byte level, on a raw TcpListener on 127.0.0.1 (issue 6 item 5). Its actor
/// <c>/users/learner</c> is served correctly (so it can follow a group), while its inbox and a second actor,
/// <c>/users/broken</c>, misbehave: they hang, drip one byte a second, redirect forever, send 50 MB or 100 000 nested
/// brackets, or close the connection halfway through the body. Every request is recorded with how long it stayed open.
/// </summary>
public sealed class MisbehavingPeer : IAsyncDisposable
{
    private const long HugeBytes = 50L * 1024 * 1024;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<PeerExchange> _exchanges = new();
    private readonly string _publicPem;
    private readonly Task _accepting;

    private MisbehavingPeer(Misbehaviour mode)
    {
        Mode = mode;
        (PrivatePem, _publicPem) = KeyGenerator.NewRsa2048();
        _listener.Start();
        Origin = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptLoopAsync();
    }

    public Misbehaviour Mode { get; }
    public string Origin { get; }
    public string PrivatePem { get; }
    public string Actor => $"{Origin}/users/learner";
    public string Inbox => $"{Actor}/inbox";
    public string BrokenActor => $"{Origin}/users/broken";
    public IReadOnlyList<PeerExchange> Exchanges => _exchanges.ToArray();

    public static MisbehavingPeer Start(Misbehaviour mode) => new(mode);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var ct = _stop.Token;
        PeerExchange? exchange = null;
        try
        {
            var (method, path, body) = await ReadRequestAsync(stream, ct);
            exchange = new PeerExchange(method, path, body, DateTimeOffset.UtcNow);
            if (method == "GET" && path == "/users/learner")
            {
                _exchanges.Enqueue(exchange);
                await WriteAsync(stream, exchange, Response("200 OK", "application/activity+json", ActorDocument("learner").ToString()), ct);
                return;
            }
            _exchanges.Enqueue(exchange);
            // The node hanging up is seen at once by a reader, not only at the next write (which may still succeed).
            using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var watcher = WatchForHangUpAsync(stream, exchange, hangUp);
            try { await MisbehaveAsync(stream, exchange, method == "GET", hangUp.Token); }
            finally
            {
                exchange.End ??= DateTimeOffset.UtcNow;
                await hangUp.CancelAsync();
                await watcher;
            }
        }
        catch (Exception) { /* the node hung up, or the request was not HTTP */ }
        finally
        {
            if (exchange is not null) exchange.End ??= DateTimeOffset.UtcNow;
        }
    }

    private async Task MisbehaveAsync(NetworkStream stream, PeerExchange exchange, bool isGet, CancellationToken ct)
    {
        switch (Mode)
        {
            case Misbehaviour.Hang:
                await Task.Delay(Timeout.Infinite, ct);
                break;
            case Misbehaviour.Drip:
                // A complete, valid answer, one byte a second: only a total deadline ends it.
                var drip = isGet ? Response("200 OK", "application/activity+json", ActorDocument("broken").ToString()) : Response("202 Accepted", "text/plain", "");
                foreach (var b in drip)
                {
                    await WriteAsync(stream, exchange, [b], ct);
                    await Task.Delay(1000, ct);
                }
                break;
            case Misbehaviour.EndlessRedirects:
                // A chain that never ends: each hop points at a new URL on the same server.
                var next = exchange.Path.Contains("?hop=") ? exchange.Path[..exchange.Path.IndexOf("?hop=")] + "?hop=" + (int.Parse(exchange.Path[(exchange.Path.IndexOf("?hop=") + 5)..]) + 1) : exchange.Path + "?hop=1";
                await WriteAsync(stream, exchange, Encoding.ASCII.GetBytes($"HTTP/1.1 302 Found\r\nLocation: {Origin}{next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), ct);
                break;
            case Misbehaviour.HugeBody:
                // 50 MB announced for the inbox answer; for the actor, no length at all and a body that never closes its string.
                var head = isGet ? "HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nConnection: close\r\n\r\n{\"id\":\"" + BrokenActor + "\",\"x\":\""
                    : $"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: {HugeBytes}\r\nConnection: close\r\n\r\n";
                await WriteAsync(stream, exchange, Encoding.ASCII.GetBytes(head), ct);
                var chunk = Enumerable.Repeat((byte)'a', 64 * 1024).ToArray();
                while (exchange.BytesWritten < HugeBytes) await WriteAsync(stream, exchange, chunk, ct);
                break;
            case Misbehaviour.DeepNesting:
                var deep = new string('[', 100_000) + new string(']', 100_000);
                await WriteAsync(stream, exchange, Response(isGet ? "200 OK" : "500 Internal Server Error", "application/activity+json", deep), ct);
                break;
            case Misbehaviour.CloseMidBody:
                var full = Response(isGet ? "200 OK" : "500 Internal Server Error", "application/activity+json", ActorDocument("broken").ToString());
                await WriteAsync(stream, exchange, full.AsSpan(0, full.Length - 200).ToArray(), ct);
                break;
        }
    }

    /// <summary>Returns when the node closes its end (or the peer is done), stopping the misbehaviour.</summary>
    private static async Task WatchForHangUpAsync(NetworkStream stream, PeerExchange exchange, CancellationTokenSource hangUp)
    {
        var buffer = new byte[1024];
        try
        {
            while (await stream.ReadAsync(buffer, hangUp.Token) > 0) { }
            exchange.End ??= DateTimeOffset.UtcNow;
        }
        catch (Exception) when (!hangUp.IsCancellationRequested)
        {
            exchange.End ??= DateTimeOffset.UtcNow;
        }
        catch (Exception) { }
        try { await hangUp.CancelAsync(); } catch (ObjectDisposedException) { }
    }

    private static async Task WriteAsync(NetworkStream stream, PeerExchange exchange, byte[] bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct);
        exchange.BytesWritten += bytes.Length;
    }

    private static byte[] Response(string status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), .. bytes];
    }

    private JObject ActorDocument(string name) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
        ["id"] = $"{Origin}/users/{name}",
        ["type"] = "Person",
        ["preferredUsername"] = name,
        ["inbox"] = Inbox,
        ["outbox"] = $"{Origin}/users/{name}/outbox",
        ["publicKey"] = new JObject { ["id"] = $"{Origin}/users/{name}#main-key", ["owner"] = $"{Origin}/users/{name}", ["publicKeyPem"] = _publicPem },
    };

    private static async Task<(string Method, string Path, string Body)> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("closed before the headers ended");
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
        }
        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        var parts = lines[0].Split(' ');
        var length = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct);
        return (parts[0], parts[1], Encoding.UTF8.GetString(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
