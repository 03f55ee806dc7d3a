using System.Net;
using System.Net.Sockets;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 6, rate limits: a remote host over its inbox or fetch budget, a token over its API budget and an
/// address over its login budget get 429 with Retry-After and a JSON error, and nobody else's budget is touched.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Each_remote_host_token_and_address_has_its_own_budget_and_429_says_when_to_come_back()
    {
        await using var a = await PublishingNode.StartAsync("limits", new Dictionary<string, string>
        {
            ["FediLearn:RateLimits:InboxPerHostPerMinute"] = "3",
            ["FediLearn:RateLimits:FetchPerHostPerMinute"] = "3",
            ["FediLearn:RateLimits:ApiPerTokenPerMinute"] = "3",
            ["FediLearn:RateLimits:LoginPerAddressPerMinute"] = "3",
        });
        await using var busy = await FakeRemoteServer.StartAsync();
        await using var quiet = await FakeRemoteServer.StartAsync();

        var inbox = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await busy.SendAsync($"{a.Group}/inbox", busy.Follow(a.Group));
            inbox.Add((int)response.StatusCode);
            if (i == 4) await AssertTooManyAsync(response);
        }
        Assert.Equal([202, 202, 202, 429, 429], inbox);
        using (var other = await quiet.SendAsync($"{a.Group}/inbox", quiet.Follow(a.Group)))
            Assert.Equal(202, (int)other.StatusCode); // another host's budget is its own

        var fetches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await busy.GetAsync(a.Group);
            fetches.Add((int)response.StatusCode);
            if (i == 3) await AssertTooManyAsync(response);
        }
        Assert.Equal([200, 200, 200, 429], fetches);
        using (var page = await Http.GetAsync(a.Group)) Assert.Equal(200, (int)page.StatusCode); // people's pages are not limited

        var api = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await a.SendAsync(HttpMethod.Get, "groups/rust/prompts");
            api.Add((int)response.StatusCode);
            if (i == 3) await AssertTooManyAsync(response);
        }
        Assert.Equal([200, 200, 200, 429], api);
        var other2 = (await a.Node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
        using (var response = await a.SendAsync(HttpMethod.Get, "groups/rust/prompts", token: other2))
            Assert.Equal(200, (int)response.StatusCode);

        var logins = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await Http.PostAsync($"{a.Node.Origin}/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Login"] = "ana", ["Password"] = "wrong" }));
            logins.Add((int)response.StatusCode);
        }
        Assert.Equal(429, logins[^1]);
        Assert.DoesNotContain(429, logins.Take(3));
    }

    /// <summary>
    /// The inbox budget is counted before the signature is checked, so it is the named key's host's from one client
    /// address: until 2026-12-06 it was the host's alone, and forged POSTs naming a server's keyId used up that server's
    /// budget, its real deliveries then getting 429. The forger here sends from 127.0.0.2, the server from 127.0.0.1.
    /// </summary>
    [Fact]
    public async Task Forged_posts_naming_a_servers_key_spend_the_forgers_address_budget_not_the_servers()
    {
        await using var a = await PublishingNode.StartAsync("limits-forged", new Dictionary<string, string> { ["FediLearn:RateLimits:InboxPerHostPerMinute"] = "3" });
        await using var victim = await FakeRemoteServer.StartAsync();
        var (forgerPem, _) = KeyGenerator.NewRsa2048();
        using var forger = From(IPAddress.Parse("127.0.0.2"));

        var forged = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var body = Encoding.UTF8.GetBytes(victim.Follow(a.Group).ToString(Newtonsoft.Json.Formatting.None));
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{a.Group}/inbox") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
            using (var key = SigningKey.FromPem(victim.KeyId, forgerPem)) HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
            using var response = await forger.SendAsync(request);
            forged.Add((int)response.StatusCode);
            if (i == 4) await AssertTooManyAsync(response);
        }
        Assert.Equal([401, 401, 401, 429, 429], forged);

        using var real = await victim.SendAsync($"{a.Group}/inbox", victim.Follow(a.Group));
        Assert.True(202 == (int)real.StatusCode, $"the server's own delivery: {(int)real.StatusCode} {await real.Content.ReadAsStringAsync()}");
    }

    /// <summary>A client whose connections leave from <paramref name="local"/>: the node on 127.0.0.1 sees that address.</summary>
    private static HttpClient From(IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(429, (int)response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("Too many requests", JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("error"));
    }
}
