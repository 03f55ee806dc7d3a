using System.Diagnostics;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Json;

namespace FediLearn.ActivityPub.Tests.Http;

public class ActivityPubFetcherTests
{
    private static (ActivityPubFetcher Fetcher, HttpClient Client) Create(Action<SafeHttpOptions>? adjust = null)
    {
        var options = new SafeHttpOptions { AllowPrivateAddresses = true };
        adjust?.Invoke(options);
        var client = SafeHttp.CreateClient(options);
        return (new ActivityPubFetcher(client, options), client);
    }

    private static string Note(Uri id) =>
        $$"""{"@context":"https://www.w3.org/ns/activitystreams","id":"{{id}}","type":"Note","published":"2024-01-02T03:04:05Z","content":"hi"}""";

    [Theory]
    [InlineData("application/activity+json")]
    [InlineData("application/activity+json; charset=utf-8")]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")]
    public async Task Document_whose_id_is_the_requested_url_is_returned(string contentType)
    {
        var url = default(Uri);
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync(Note(url!), contentType));
        url = server.Url("/notes/1");
        var (fetcher, client) = Create();
        using var _ = client;

        var doc = await fetcher.FetchAsync(url);

        Assert.Equal(url.ToString(), ActivityJson.GetId(doc));
        Assert.Equal("2024-01-02T03:04:05Z", ActivityJson.GetString(doc, "published"));
        Assert.True(server.Requests.TryPeek(out var request));
        Assert.Equal(ActivityPubFetcher.AcceptHeader, request.Headers["Accept"]);
    }

    [Fact]
    public async Task Configure_callback_sees_the_request_before_it_is_sent()
    {
        var url = default(Uri);
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync(Note(url!)));
        url = server.Url("/notes/2");
        var (fetcher, client) = Create();
        using var _ = client;

        await fetcher.FetchAsync(url, request => request.Headers.Add("X-Configured", "yes"));

        Assert.Equal("yes", server.Requests.Single().Headers["X-Configured"]);
    }

    [Fact]
    public async Task Document_with_another_id_is_discarded()
    {
        // security.md case 21
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync("""{"@context":"https://www.w3.org/ns/activitystreams","id":"https://attacker.example/x","type":"Note"}"""));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/objects/1")));
        Assert.Equal(FetchFailure.IdMismatch, ex.Failure);
    }

    [Fact]
    public async Task Document_without_id_is_discarded()
    {
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync("""{"type":"Note"}"""));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/objects/1")));
        Assert.Equal(FetchFailure.IdMismatch, ex.Failure);
    }

    [Theory]
    // security.md case 22
    [InlineData("application/json")]
    [InlineData("text/html")]
    [InlineData("application/ld+json")]
    [InlineData("application/ld+json; profile=\"https://example.com/other\"")]
    [InlineData(null)]
    public async Task Valid_document_served_with_another_media_type_is_discarded(string? contentType)
    {
        var url = default(Uri);
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, contentType, Note(url!)));
        url = server.Url("/notes/3");
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(url));
        Assert.Equal(FetchFailure.NotActivityPub, ex.Failure);
    }

    [Fact]
    public async Task Redirect_to_another_origin_serving_the_original_id_is_discarded()
    {
        var original = default(Uri);
        await using var other = new RawHttpServer(ctx => ctx.JsonAsync(Note(original!)));
        await using var victim = new RawHttpServer(ctx => ctx.RedirectAsync(302, other.Url("/copy").ToString()));
        original = victim.Url("/notes/4");
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(original));
        Assert.Equal(FetchFailure.IdMismatch, ex.Failure);
        Assert.Single(other.Requests);
    }

    [Fact]
    public async Task Same_origin_redirect_keeping_the_id_is_accepted()
    {
        var original = default(Uri);
        await using var server = new RawHttpServer(ctx => ctx.Request.Target == "/canonical"
            ? ctx.JsonAsync(Note(original!))
            : ctx.RedirectAsync(301, "/canonical"));
        original = server.Url("/@alice/5");
        var (fetcher, client) = Create();
        using var _ = client;

        var doc = await fetcher.FetchAsync(original);

        Assert.Equal(original.ToString(), ActivityJson.GetId(doc));
    }

    [Theory]
    [InlineData(404, FetchFailure.NotFound)]
    [InlineData(410, FetchFailure.Gone)]
    [InlineData(401, FetchFailure.Unauthorized)]
    [InlineData(403, FetchFailure.Unauthorized)]
    [InlineData(500, FetchFailure.HttpError)]
    [InlineData(204, FetchFailure.HttpError)]
    public async Task Status_codes_map_to_failures(int status, FetchFailure expected)
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(status, "application/activity+json", "{}"));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/x")));
        Assert.Equal(expected, ex.Failure);
        Assert.Equal(status, ex.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_reported_as_malformed()
    {
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync("""{"id": "x", """));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/x")));
        Assert.Equal(FetchFailure.Malformed, ex.Failure);
    }

    [Fact]
    public async Task Oversized_document_is_reported_as_too_large()
    {
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync(new string(' ', 2048) + "{}"));
        var (fetcher, client) = Create(o => o.MaxResponseBytes = 1024);
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/x")));
        Assert.Equal(FetchFailure.TooLarge, ex.Failure);
    }

    [Fact]
    public async Task Loopback_is_reported_as_blocked_when_private_addresses_are_not_allowed()
    {
        await using var server = new RawHttpServer(ctx => ctx.JsonAsync("{}"));
        var (fetcher, client) = Create(o => o.AllowPrivateAddresses = false);
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/x")));
        Assert.Equal(FetchFailure.Blocked, ex.Failure);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Body_that_stalls_after_the_headers_times_out()
    {
        await using var server = new RawHttpServer(async ctx =>
        {
            await ctx.WriteRawAsync("HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nContent-Length: 100\r\n\r\n{");
            await Task.Delay(Timeout.Infinite, ctx.Stopping);
        });
        var (fetcher, client) = Create(o => o.RequestTimeout = TimeSpan.FromSeconds(1));
        using var _ = client;
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(server.Url("/slow")));

        Assert.Equal(FetchFailure.Network, ex.Failure);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_fetch_failure()
    {
        await using var server = new RawHttpServer(ctx => Task.Delay(Timeout.Infinite, ctx.Stopping));
        var (fetcher, client) = Create();
        using var _ = client;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetcher.FetchAsync(server.Url("/x"), ct: cts.Token));
    }
}
