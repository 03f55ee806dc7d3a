using System.Net;
using System.Net.Sockets;

namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Builds the outbound HTTP stack. The SSRF guard sits at connect time, on the addresses actually dialled
/// (design.md §3.4; Mastodon <c>Request::Socket.open</c>, Iceshrimp.NET <c>CustomHttpClient</c>): checking the URL's
/// host name alone would be defeated by DNS rebinding or a redirect.
/// </summary>
public static class SafeHttp
{
    public static SocketsHttpHandler CreateTransport(SafeHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var allowPrivate = options.AllowPrivateAddresses;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 8,
            // A proxy would make the ConnectCallback check the proxy's address instead of the destination's.
            UseProxy = false,
            UseCookies = false,
            // Do not keep reading a body we refused just to reuse the connection.
            MaxResponseDrainSize = 64 * 1024,
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowPrivate, ct),
        };
    }

    public static HttpClient CreateClient(SafeHttpOptions options, params DelegatingHandler[] innerHandlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(innerHandlers);

        HttpMessageHandler pipeline = CreateTransport(options);
        for (var i = innerHandlers.Length - 1; i >= 0; i--)
        {
            innerHandlers[i].InnerHandler = pipeline;
            pipeline = innerHandlers[i];
        }
        var client = new HttpClient(new RedirectHandler(options) { InnerHandler = pipeline }, disposeHandler: true)
        {
            Timeout = options.RequestTimeout,
            // Guards callers that buffer with GetStringAsync and friends; BoundedContent guards streaming readers.
            MaxResponseContentBufferSize = Math.Clamp(options.MaxResponseBytes, 1, int.MaxValue),
        };
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        return client;
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(endPoint.Host, ct).ConfigureAwait(false);
        if (addresses.Length == 0)
            throw new HttpRequestException($"No address for {endPoint.Host}.");

        // Every answer is checked before any is dialled: a mixed answer (one public, one 10.x) is refused outright.
        // The development switch lets loopback through, and nothing else: a node run with it on still cannot be made to
        // call the LAN or a cloud's metadata address (security.md principle 3).
        foreach (var address in addresses)
        {
            if (AddressPolicy.IsPublic(address) || allowPrivate && AddressPolicy.IsLoopback(address)) continue;
            throw new BlockedAddressException(allowPrivate
                ? $"{endPoint.Host} resolves to {address}, which is neither a public nor a loopback address."
                : $"{endPoint.Host} resolves to {address}, which is not a public address.");
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            // Dial the IPEndPoint that was checked, never the name again (which could resolve differently).
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}
