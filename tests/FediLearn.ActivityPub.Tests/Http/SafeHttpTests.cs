using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using FediLearn.ActivityPub.Http;

namespace FediLearn.ActivityPub.Tests.Http;

public class SafeHttpTests
{
    private const int MiB = 1024 * 1024;

    private static SafeHttpOptions Loopback(Action<SafeHttpOptions>? adjust = null)
    {
        var options = new SafeHttpOptions { AllowPrivateAddresses = true };
        adjust?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Request_to_127_0_0_1_is_refused_before_any_connection()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        using var client = SafeHttp.CreateClient(new SafeHttpOptions());

        await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync(server.BaseUri));

        await Task.Delay(200);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Host_name_localhost_is_refused_before_any_connection()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        using var client = SafeHttp.CreateClient(new SafeHttpOptions());

        await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync($"http://localhost:{server.Port}/"));

        await Task.Delay(200);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Loopback_is_reached_when_private_addresses_are_allowed_and_user_agent_is_sent()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        using var client = SafeHttp.CreateClient(Loopback(o => o.UserAgent = "FediLearn-test/1"));

        var body = await client.GetStringAsync(server.Url("/x"));

        Assert.Equal("reached", body);
        Assert.True(server.Requests.TryPeek(out var request));
        Assert.Equal("FediLearn-test/1", request.Headers["User-Agent"]);
    }

    [Fact]
    public async Task Redirect_from_a_public_url_to_127_0_0_1_is_refused_before_connecting()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        // The first hop never leaves the process: the stub answers it with a redirect to the loopback server.
        var publicHop = new StubHandler(req => req.RequestUri!.Host == "public.example"
            ? new HttpResponseMessage(System.Net.HttpStatusCode.Found) { Headers = { Location = server.Url("/internal") } }
            : null);
        using var client = SafeHttp.CreateClient(new SafeHttpOptions(), publicHop);

        await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync("https://public.example/start"));

        await Task.Delay(200);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Three_redirects_are_followed_and_the_fourth_aborts()
    {
        // /hop/N redirects to /hop/N-1; /hop/0 answers.
        await using var server = new RawHttpServer(ctx =>
        {
            var n = int.Parse(ctx.Request.Target.Split('/')[2]);
            return n == 0 ? ctx.RespondAsync(200, "text/plain", "arrived") : ctx.RedirectAsync(302, $"/hop/{n - 1}");
        });
        using var client = SafeHttp.CreateClient(Loopback());

        using var ok = await client.GetAsync(server.Url("/hop/3"));
        Assert.Equal("arrived", await ok.Content.ReadAsStringAsync());
        Assert.Equal(server.Url("/hop/0"), ok.RequestMessage!.RequestUri);

        var before = server.Requests.Count;
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(server.Url("/hop/4")));
        Assert.Contains("too many redirects", ex.Message);
        Assert.Equal(4, server.Requests.Count - before); // /hop/4../hop/1 fetched, /hop/0 never requested
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/secret")]
    public async Task Redirect_to_a_non_http_scheme_is_refused(string location)
    {
        await using var server = new RawHttpServer(ctx => ctx.RedirectAsync(301, location));
        using var client = SafeHttp.CreateClient(Loopback());

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(server.Url("/")));
        Assert.Contains("non-http", ex.Message);
    }

    [Fact]
    public async Task A_file_url_is_refused_outright()
    {
        using var client = SafeHttp.CreateClient(Loopback());
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("file:///etc/passwd"));
    }

    [Fact]
    public async Task Every_hop_passes_through_the_inner_handlers_with_fresh_headers_and_the_same_options()
    {
        await using var server = new RawHttpServer(ctx => ctx.Request.Target == "/final"
            ? ctx.RespondAsync(200, "text/plain", "ok")
            : ctx.RedirectAsync(307, "/final"));
        var key = new HttpRequestOptionsKey<string>("SigningKey");
        var seen = new List<(Uri Uri, string? Key, bool AlreadySigned)>();
        var signer = new StubHandler(req =>
        {
            req.Options.TryGetValue(key, out var k);
            seen.Add((req.RequestUri!, k, req.Headers.Contains("X-Signature")));
            req.Headers.Add("X-Signature", req.RequestUri!.AbsolutePath);
            return null;
        });
        using var client = SafeHttp.CreateClient(Loopback(), signer);
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/start"));
        request.Options.Set(key, "group-key");
        request.Headers.Add("X-Custom", "kept");

        using var response = await client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([server.Url("/start"), server.Url("/final")], seen.Select(s => s.Uri));
        Assert.All(seen, s => Assert.Equal("group-key", s.Key));
        Assert.All(seen, s => Assert.False(s.AlreadySigned));
        var last = server.Requests.Last();
        Assert.Equal("/final", last.Headers["X-Signature"]);
        Assert.Equal("kept", last.Headers["X-Custom"]);
    }

    [Fact]
    public async Task A_post_is_not_redirected()
    {
        await using var server = new RawHttpServer(ctx => ctx.RedirectAsync(302, "/elsewhere"));
        using var client = SafeHttp.CreateClient(Loopback());

        using var response = await client.PostAsync(server.Url("/inbox"), new StringContent("{}"));

        Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Content_length_of_2_MiB_is_refused_before_the_body_is_read()
    {
        var hungUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawHttpServer(async ctx =>
        {
            // Announce 2 MiB, send nothing: a client that waited for the body would hang here.
            await ctx.WriteRawAsync($"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nContent-Length: {2 * MiB}\r\n\r\n");
            hungUp.SetResult(await ctx.WaitForClientHangUpAsync(TimeSpan.FromSeconds(10)));
        });
        using var client = SafeHttp.CreateClient(Loopback());
        var watch = Stopwatch.StartNew();

        using (var response = await client.GetAsync(server.Url("/big"), HttpCompletionOption.ResponseHeadersRead))
            await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsync(response, MiB, CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(await hungUp.Task.WaitAsync(TimeSpan.FromSeconds(15)), "the client kept the connection open");
    }

    [Fact]
    public async Task Buffered_reads_are_capped_too()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", new string('a', 2 * MiB)));
        using var client = SafeHttp.CreateClient(Loopback());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/big")));
    }

    [Fact]
    public async Task Chunked_body_growing_past_1_MiB_is_cut_off_at_1_MiB()
    {
        const long serverWouldSend = 64L * MiB;
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RawHttpServer(async ctx =>
        {
            long total = 0;
            try
            {
                await ctx.WriteRawAsync("HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nTransfer-Encoding: chunked\r\n\r\n");
                var chunk = Encoding.ASCII.GetBytes($"{64 * 1024:x}\r\n" + new string(' ', 64 * 1024) + "\r\n");
                while (total < serverWouldSend)
                {
                    await ctx.Stream.WriteAsync(chunk, ctx.Stopping);
                    total += 64 * 1024;
                }
            }
            finally
            {
                written.SetResult(total);
            }
        });
        using var client = SafeHttp.CreateClient(Loopback());

        using (var response = await client.GetAsync(server.Url("/stream"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Null(response.Content.Headers.ContentLength);
            await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsync(response, MiB, CancellationToken.None));
        }

        var sent = await written.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(sent < serverWouldSend, $"server could write all {sent} bytes");
    }

    [Fact]
    public async Task Limit_counts_decompressed_bytes()
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(new byte[4 * MiB]);
        var gz = compressed.ToArray();
        Assert.True(gz.Length < 64 * 1024);
        await using var server = new RawHttpServer(async ctx =>
        {
            await ctx.WriteRawAsync($"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Encoding: gzip\r\nContent-Length: {gz.Length}\r\n\r\n");
            await ctx.Stream.WriteAsync(gz, ctx.Stopping);
        });
        using var client = SafeHttp.CreateClient(Loopback());

        using var response = await client.GetAsync(server.Url("/bomb"), HttpCompletionOption.ResponseHeadersRead);
        await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsync(response, MiB, CancellationToken.None));
    }

    [Fact]
    public async Task Body_within_the_limit_is_returned_whole()
    {
        var body = new string('x', MiB);
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", body));
        using var client = SafeHttp.CreateClient(Loopback());

        using var response = await client.GetAsync(server.Url("/exact"), HttpCompletionOption.ResponseHeadersRead);
        var bytes = await BoundedContent.ReadAsync(response, MiB, CancellationToken.None);

        Assert.Equal(MiB, bytes.Length);
    }

    [Fact]
    public async Task Hanging_server_times_out_within_the_request_timeout()
    {
        await using var server = new RawHttpServer(ctx => Task.Delay(Timeout.Infinite, ctx.Stopping));
        using var client = SafeHttp.CreateClient(Loopback(o => o.RequestTimeout = TimeSpan.FromSeconds(1)));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync(server.Url("/hang")));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }
}

/// <summary>An inner handler that may answer a request itself (return a response) or let it through (return null).</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage?> answer) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (answer(request) is { } response)
        {
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
