using FediLearn.ActivityPub.Http;

namespace FediLearn.ActivityPub.Tests.Http;

public class WebFingerTests
{
    private static (ActivityPubFetcher Fetcher, HttpClient Client) Create(bool allowPrivate = true)
    {
        var options = new SafeHttpOptions { AllowPrivateAddresses = allowPrivate, RequestTimeout = TimeSpan.FromSeconds(10) };
        var client = SafeHttp.CreateClient(options);
        return (new ActivityPubFetcher(client, options), client);
    }

    // Shape of Mastodon's answer (mastodon/mastodon spec/fixtures/requests/activitypub-webfinger.txt).
    private static string Jrd(string subject, string selfType, string href) => $$"""
        {"subject":"{{subject}}","aliases":["{{href}}"],
         "links":[{"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"https://ap.example.com/@foo"},
                  {"rel":"self","type":{{Newtonsoft.Json.JsonConvert.ToString(selfType)}},"href":"{{href}}"},
                  {"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://ap.example.com/authorize_follow?acct={uri}"}]}
        """;

    [Theory]
    [InlineData("application/activity+json")]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")]
    public async Task Acct_resolves_to_the_activitypub_self_link_over_http_on_loopback(string selfType)
    {
        await using var server = new RawHttpServer(ctx =>
            ctx.RespondAsync(200, "application/jrd+json; charset=utf-8", Jrd("acct:rust@coop.example", selfType, "http://127.0.0.1/g/rust")));
        var (fetcher, client) = Create();
        using var _ = client;
        var host = $"127.0.0.1:{server.Port}";

        var result = await fetcher.WebFingerAsync("rust", host);

        Assert.Equal("acct:rust@coop.example", result.Subject);
        Assert.Equal(new Uri("http://127.0.0.1/g/rust"), result.SelfHref);
        var request = server.Requests.Single();
        Assert.Equal("/.well-known/webfinger?resource=" + Uri.EscapeDataString($"acct:rust@{host}"), request.Target);
        Assert.Equal(ActivityPubFetcher.WebFingerAcceptHeader, request.Headers["Accept"]);
    }

    [Fact]
    public async Task Self_link_with_a_non_activitypub_type_is_not_accepted()
    {
        await using var server = new RawHttpServer(ctx =>
            ctx.RespondAsync(200, "application/jrd+json", Jrd("acct:a@b", "application/json", "http://127.0.0.1/u/a")));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.WebFingerAsync("a", $"127.0.0.1:{server.Port}"));
        Assert.Equal(FetchFailure.NotActivityPub, ex.Failure);
    }

    [Fact]
    public async Task Unknown_account_is_not_found()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(404, "text/plain", "no"));
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.WebFingerAsync("nobody", $"127.0.0.1:{server.Port}"));
        Assert.Equal(FetchFailure.NotFound, ex.Failure);
    }

    [Fact]
    public async Task Loopback_host_is_blocked_without_any_http_fallback_when_private_addresses_are_not_allowed()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(404, "text/plain", "no"));
        var (fetcher, client) = Create(allowPrivate: false);
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.WebFingerAsync("a", $"127.0.0.1:{server.Port}"));
        Assert.Equal(FetchFailure.Blocked, ex.Failure);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Theory]
    [InlineData("alice", "evil.example/path")]
    [InlineData("alice", "user@evil.example")]
    [InlineData("alice", "")]
    [InlineData("ali ce", "coop.example")]
    [InlineData("alice@other", "coop.example")]
    [InlineData("", "coop.example")]
    public async Task Malformed_handles_are_refused_without_a_request(string user, string host)
    {
        var (fetcher, client) = Create();
        using var _ = client;

        var ex = await Assert.ThrowsAsync<FetchException>(() => fetcher.WebFingerAsync(user, host));
        Assert.Equal(FetchFailure.Malformed, ex.Failure);
    }
}
