using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FediLearn.ActivityPub.Tests.Http;

/// <summary>
/// A deliberately tiny HTTP/1.1 server on 127.0.0.1:0, one request per connection, so tests control every byte
/// (lying Content-Length, endless chunked bodies, hanging) and can count connections (none must arrive when blocked).
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RawHttpContext, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public RawHttpServer(Func<RawHttpContext, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    public int ConnectionCount => Volatile.Read(ref _connections);

    public ConcurrentQueue<RawRequest> Requests { get; } = new();

    /// <summary>Exceptions the handler saw while writing, e.g. the client hanging up mid-body.</summary>
    public ConcurrentQueue<Exception> HandlerErrors { get; } = new();

    public CancellationToken Stopping => _stop.Token;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            var request = await ReadRequestAsync(stream);
            if (request is null)
                return; // not HTTP (e.g. a TLS ClientHello): hang up
            Requests.Enqueue(request);
            await _handler(new RawHttpContext(request, stream, socket, _stop.Token));
        }
        catch (Exception ex)
        {
            HandlerErrors.Enqueue(ex);
        }
        finally
        {
            try { socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        }
    }

    private async Task<RawRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
                return null;
            if (head.Count == 0 && !char.IsAsciiLetterUpper((char)one[0]))
                return null;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
                break;
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new RawRequest(requestLine[0], requestLine[1], headers);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _acceptLoop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}

internal sealed record RawRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);

internal sealed class RawHttpContext(RawRequest request, NetworkStream stream, Socket socket, CancellationToken stopping)
{
    public RawRequest Request { get; } = request;
    public NetworkStream Stream { get; } = stream;
    public Socket Socket { get; } = socket;
    public CancellationToken Stopping { get; } = stopping;

    public Task WriteRawAsync(string text) => Stream.WriteAsync(Encoding.UTF8.GetBytes(text), Stopping).AsTask();

    public Task RespondAsync(int status, string? contentType, string body, params (string Name, string Value)[] headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder($"HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {bytes.Length}\r\n");
        if (contentType is not null)
            head.Append($"Content-Type: {contentType}\r\n");
        foreach (var (name, value) in headers)
            head.Append($"{name}: {value}\r\n");
        head.Append("\r\n");
        return WriteAllAsync(Encoding.ASCII.GetBytes(head.ToString()).Concat(bytes).ToArray());
    }

    public Task RedirectAsync(int status, string location) => RespondAsync(status, null, "", ("Location", location));

    public Task JsonAsync(string json, string contentType = "application/activity+json") => RespondAsync(200, contentType, json);

    private async Task WriteAllAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes, Stopping);
        await Stream.FlushAsync(Stopping);
    }

    /// <summary>True once the peer has closed or reset the connection (read returns 0 or fails), within the timeout.</summary>
    public async Task<bool> WaitForClientHangUpAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        cts.CancelAfter(timeout);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                if (await Stream.ReadAsync(buffer, cts.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
