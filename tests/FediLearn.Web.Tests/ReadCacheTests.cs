using System.Diagnostics;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// The read cache (Federation/ReadCache.cs, docs/architecture.md "Read cache") never shows what the database no longer
/// says for longer than its bound: a change made in the server process shows at once, one made by the CLI (another
/// process) within FediLearn:ReadCache:Seconds; a deleted post answers 410 at once; and who may read a members-only
/// group is decided on every request, after a participant's fetch has put its documents in the cache.
/// </summary>
public sealed class ReadCacheTests
{
    // Long enough that a stale entry would still be served when the test reads again; the bound the CLI test checks.
    private const int CacheSeconds = 5;
    private static readonly Dictionary<string, string> Settings = new() { ["FediLearn__ReadCache__Seconds"] = CacheSeconds.ToString() };

    [Fact]
    public async Task Changes_show_at_once_from_the_server_and_within_the_bound_from_the_CLI_and_a_deleted_post_is_410_at_once()
    {
        await using var a = await PublishingNode.StartAsync("read-cache", Settings);
        var post = (await a.PublishAsync("posts", new { content = "First post" })).Value<string>("id")!;

        // Warm every cached kind.
        for (var i = 0; i < 2; i++)
        {
            Assert.Null((await GetActivityJsonAsync(a.Group)).Property("postingRestrictedToMods"));
            Assert.Equal(post, (await GetActivityJsonAsync(post)).Value<string>("id"));
            Assert.Contains(post, (await GetActivityJsonAsync($"{a.Group}/outbox?page=1")).ToString());
            Assert.Equal(1, (await GetActivityJsonAsync($"{a.Group}/outbox")).Value<int>("totalItems"));
        }

        // In this process (the API): at once, with no wait.
        using (var patched = await a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "facilitators" }))
            Assert.True(patched.IsSuccessStatusCode, $"{(int)patched.StatusCode} {await patched.Content.ReadAsStringAsync()}");
        Assert.True((await GetActivityJsonAsync(a.Group)).Value<bool>("postingRestrictedToMods"));
        var second = (await a.PublishAsync("posts", new { content = "Second post" })).Value<string>("id")!;
        Assert.Contains(second, (await GetActivityJsonAsync($"{a.Group}/outbox?page=1")).ToString());
        Assert.Equal(2, (await GetActivityJsonAsync($"{a.Group}/outbox")).Value<int>("totalItems"));

        // Deleted through the API: 410 at once, JSON and page alike, and never a cached 200.
        Assert.Equal(post, (await GetActivityJsonAsync(post)).Value<string>("id"));
        using (var deleted = await a.SendAsync(HttpMethod.Delete, $"groups/rust/posts/{post.Split('/').Last()}"))
            Assert.True(deleted.IsSuccessStatusCode, $"{(int)deleted.StatusCode}");
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, post);
            request.Headers.Accept.ParseAdd("application/activity+json");
            using var gone = await Http.SendAsync(request);
            Assert.Equal(410, (int)gone.StatusCode);
            Assert.Equal("Tombstone", JObject.Parse(await gone.Content.ReadAsStringAsync()).Value<string>("type"));
        }

        // By the CLI, another process: within the bound (plus the CLI's own exit and a poll's slack), not never.
        Assert.True((await GetActivityJsonAsync(a.Group)).Value<bool>("postingRestrictedToMods"));
        await a.Node.CliAsync("groups", "set", "rust", "--posting-policy", "open").MustAsync();
        var clock = Stopwatch.StartNew();
        while ((await GetActivityJsonAsync(a.Group)).Property("postingRestrictedToMods") is not null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(CacheSeconds + 3), $"the actor still showed the old posting policy {clock.Elapsed.TotalSeconds:0.0} s after the CLI changed it");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_members_only_groups_cached_documents_are_still_refused_to_outsiders_and_to_a_removed_participant()
    {
        await using var node = await NodeProcess.StartAsync("read-cache-private", settings: Settings);
        await using var inside = await FakeRemoteServer.StartAsync();   // a participant's server
        await using var outside = await FakeRemoteServer.StartAsync();  // asked to join, never approved
        await node.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@example.org").MustAsync();
        await node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        var token = (await node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
        var group = $"{node.Origin}/g/cohort";
        foreach (var server in new[] { inside, outside })
            using (var follow = await server.SendAsync($"{group}/inbox", server.Follow(group)))
                Assert.Equal(202, (int)follow.StatusCode);
        await EventuallyAsync(async () => (await node.CliAsync("followers", "list", "cohort")).StdOut.Split('\n').Count(l => l.Contains(" pending")) == 2,
            "two pending requests", node);
        await node.CliAsync("followers", "approve", "cohort", inside.ActorId).MustAsync();
        await inside.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        using var publish = new HttpRequestMessage(HttpMethod.Post, $"{node.Origin}/api/groups/cohort/prompts")
        {
            Content = new StringContent(new JObject { ["content"] = "The cohort's secret handshake?" }.ToString(), System.Text.Encoding.UTF8, "application/json"),
        };
        publish.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var published = await Http.SendAsync(publish);
        Assert.Equal(201, (int)published.StatusCode);
        var prompt = JObject.Parse(await published.Content.ReadAsStringAsync()).Value<string>("id")!;

        var paths = new[] { prompt, $"{group}/outbox", $"{group}/outbox?page=1", $"{group}/followers", $"{group}/followers?page=1" };
        foreach (var url in paths)
        {
            for (var i = 0; i < 2; i++) // the participant's server fetches: the bytes are now in the cache
            {
                using var allowed = await inside.GetAsync(url);
                var body = await allowed.Content.ReadAsStringAsync();
                Assert.True(200 == (int)allowed.StatusCode, $"{url} for a participant's server: {(int)allowed.StatusCode} {body}");
                Assert.True(allowed.Headers.CacheControl is { Private: true, NoStore: true }, $"{url}: Cache-Control {allowed.Headers.CacheControl}");
            }
            await AssertForbiddenAsync(await outside.GetAsync(url), url);
            await AssertForbiddenAsync(await inside.GetAsync(url, sign: false), url);
            await AssertForbiddenAsync(await Http.GetAsync(url), url); // no Accept header: the page or a JSON error, never the document
        }

        // Removed by the CLI (another process): the cache does not carry its earlier permission, not even for a moment.
        await node.CliAsync("followers", "remove", "cohort", inside.ActorId).MustAsync();
        foreach (var url in paths)
            await AssertForbiddenAsync(await inside.GetAsync(url), url);
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string url)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(403 == (int)response.StatusCode, $"{url}: expected 403, got {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("secret handshake", body);
        }
    }
}
