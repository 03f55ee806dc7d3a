using FediLearn.ActivityPub.Keys;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6, authorized fetch (FediLearn:AuthorizedFetch): ActivityPub GETs need a valid signature from a server that is
/// not blocked; the instance actor, discovery and a key-only view of actors stay open; two nodes in secure mode still federate.
/// </summary>
public sealed class AuthorizedFetchTests
{
    private static readonly Dictionary<string, string> SecureMode = new() { ["FediLearn:AuthorizedFetch"] = "true" };

    [Fact]
    public async Task Signed_GETs_are_answered_and_unsigned_forged_or_blocked_ones_are_refused_with_a_JSON_error()
    {
        await using var a = await PublishingNode.StartAsync("af", SecureMode);
        await using var remote = await FakeRemoteServer.StartAsync();
        var prompt = (await a.PublishAsync("prompts", new { content = "What did you try this week?" })).Value<string>("id")!;

        foreach (var url in new[] { prompt, $"{a.Group}/outbox", $"{a.Group}/followers", $"{prompt}/replies", $"{a.Group}/featured" })
        {
            using var signedCavage = await remote.GetAsync(url);
            Assert.True(200 == (int)signedCavage.StatusCode, $"{url}: {(int)signedCavage.StatusCode} {await signedCavage.Content.ReadAsStringAsync()}");
            Assert.Contains("Signature", signedCavage.Headers.Vary);

            using var unsigned = await remote.GetAsync(url, sign: false);
            Assert.Equal(401, (int)unsigned.StatusCode);
            Assert.Contains("signed requests", JObject.Parse(await unsigned.Content.ReadAsStringAsync()).Value<string>("error"));
            Assert.Contains("Signature", unsigned.Headers.Vary);
            Assert.Contains("Accept", unsigned.Headers.Vary);
        }
        using (var rfc9421 = await remote.GetAsync(prompt, rfc9421: true))
            Assert.Equal(200, (int)rfc9421.StatusCode);
        Assert.Equal(prompt, JObject.Parse(await (await remote.GetAsync(prompt)).Content.ReadAsStringAsync()).Value<string>("id"));

        // The tampered twin: the same request signed with a key that is not the learner's.
        var (otherKey, _) = KeyGenerator.NewRsa2048();
        using (var forged = await remote.GetAsync(prompt, signWithPem: otherKey))
        {
            Assert.Equal(401, (int)forged.StatusCode);
            Assert.NotNull(JObject.Parse(await forged.Content.ReadAsStringAsync()).Value<string>("error"));
        }

        // Pages for people stay open; so do the instance actor and discovery documents.
        using (var page = await Http.GetAsync(prompt)) Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("Application", (await GetActivityJsonAsync($"{a.Node.Origin}/actor")).Value<string>("type"));
        using (var webfinger = await Http.GetAsync($"{a.Node.Origin}/.well-known/webfinger?resource=acct:rust@{a.Node.Authority}"))
            Assert.Equal(200, (int)webfinger.StatusCode);

        // An unsigned request for an actor gets what verifying its signatures needs, and nothing more.
        var keyOnly = await GetActivityJsonAsync(a.Group);
        Assert.Equal(a.Group, keyOnly.Value<string>("id"));
        Assert.NotNull(keyOnly["publicKey"]?.Value<string>("publicKeyPem"));
        Assert.NotNull(keyOnly.Value<string>("inbox"));
        Assert.Null(keyOnly["name"]);
        Assert.Null(keyOnly["summary"]);
        Assert.Null(keyOnly["followers"]);
        // The routes match /G/ as /g/ (FEDERATION.md: path words in any case); so does the key-only view.
        var keyOnlyUpper = await GetActivityJsonAsync(a.Group.Replace("/g/", "/G/"));
        Assert.Equal(a.Group, keyOnlyUpper.Value<string>("id"));
        Assert.NotNull(keyOnlyUpper["publicKey"]?.Value<string>("publicKeyPem"));
        Assert.Null(keyOnlyUpper["name"]);
        using (var full = await remote.GetAsync(a.Group))
            Assert.Equal("Rust circle", JObject.Parse(await full.Content.ReadAsStringAsync()).Value<string>("name"));

        await a.Node.CliAsync("domains", "block", new Uri(remote.Origin).Host).MustAsync();
        using (var blocked = await remote.GetAsync(prompt))
        {
            Assert.Equal(403, (int)blocked.StatusCode);
            Assert.Contains("blocked", JObject.Parse(await blocked.Content.ReadAsStringAsync()).Value<string>("error"));
        }
    }

    /// <summary>
    /// Collections and activities answer ActivityStreams JSON whatever the request's Accept: until 2026-12-06 secure mode
    /// only looked at the Accept, so an unsigned GET without one, or with <c>*/*</c>, read the outbox, the followers and
    /// the threads. URLs that also serve people (the group's) still negotiate: a browser gets the page, unsigned.
    /// </summary>
    [Fact]
    public async Task In_secure_mode_collections_and_activities_need_a_signature_whatever_the_accept()
    {
        await using var a = await PublishingNode.StartAsync("af-accept", SecureMode);
        await using var remote = await FakeRemoteServer.StartAsync();
        var prompt = (await a.PublishAsync("prompts", new { content = "Signed or nothing?" })).Value<string>("id")!;
        string activity;
        using (var outbox = await remote.GetAsync($"{a.Group}/outbox?page=1"))
            activity = JObject.Parse(await outbox.Content.ReadAsStringAsync())["orderedItems"]![0]!.Value<string>("id")!;
        Assert.Contains("/activities/", activity);

        foreach (var url in new[] { $"{a.Group}/outbox", $"{a.Group}/followers", activity, $"{prompt}/context", $"{prompt}/replies" })
            foreach (var accept in new[] { null, "*/*" })
            {
                using var unsigned = await remote.GetAsync(url, sign: false, accept: accept);
                var body = await unsigned.Content.ReadAsStringAsync();
                Assert.True(401 == (int)unsigned.StatusCode, $"{url}, Accept {accept ?? "(none)"}: {(int)unsigned.StatusCode} {body}");
                Assert.Contains("signed requests", JObject.Parse(body).Value<string>("error"));

                using var signed = await remote.GetAsync(url, accept: accept);
                Assert.True(200 == (int)signed.StatusCode, $"{url}, Accept {accept ?? "(none)"}, signed: {(int)signed.StatusCode} {await signed.Content.ReadAsStringAsync()}");
                Assert.Equal("application/activity+json", signed.Content.Headers.ContentType?.MediaType);
            }

        using var page = new HttpRequestMessage(HttpMethod.Get, a.Group);
        page.Headers.Accept.ParseAdd("text/html");
        using var browser = await Http.SendAsync(page);
        Assert.Equal(200, (int)browser.StatusCode);
        Assert.Equal("text/html", browser.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Rust circle", await browser.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A members-only group's answers vary on Cookie as well (a facilitator's browser session may read them): in secure
    /// mode until 2026-12-05 the secure-mode header replaced that one, and Cookie was missing.
    /// </summary>
    [Fact]
    public async Task In_secure_mode_a_members_only_groups_answers_still_vary_on_cookie()
    {
        await using var a = await PublishingNode.StartAsync("af-members", SecureMode);
        await using var remote = await FakeRemoteServer.StartAsync();
        await a.Node.CliAsync("groups", "add", "cohort", "--title", "Closed cohort", "--facilitator", "ana", "--members-only").MustAsync();
        var outbox = $"{a.Node.Origin}/g/cohort/outbox";
        using (var outsider = await remote.GetAsync(outbox))
        {
            Assert.True(403 == (int)outsider.StatusCode, $"{(int)outsider.StatusCode} {await outsider.Content.ReadAsStringAsync()}");
            Assert.Equal(["Accept", "Signature", "Signature-Input", "Cookie"], outsider.Headers.Vary);
            Assert.True(outsider.Headers.CacheControl is { Private: true, NoStore: true });
        }
        using (var unsigned = await remote.GetAsync(outbox, sign: false))
        {
            Assert.Equal(401, (int)unsigned.StatusCode);
            Assert.Contains("Signature", unsigned.Headers.Vary);
        }
    }

    [Fact]
    public async Task Without_the_setting_unsigned_GETs_are_answered_as_before()
    {
        await using var a = await PublishingNode.StartAsync("open-fetch");
        var prompt = (await a.PublishAsync("prompts", new { content = "Anyone?" })).Value<string>("id")!;
        Assert.Equal(prompt, (await GetActivityJsonAsync(prompt)).Value<string>("id"));
        Assert.Equal("Rust circle", (await GetActivityJsonAsync(a.Group)).Value<string>("name"));
    }

    [Fact]
    public async Task Two_nodes_in_secure_mode_still_follow_and_deliver_to_each_other()
    {
        await using var a = await PublishingNode.StartAsync("secure-a", SecureMode);
        await using var b = await NodeProcess.StartAsync("secure-b", settings: SecureMode);
        await b.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        await b.CliAsync("following", "add", "bo", $"rust@{a.Node.Authority}").MustAsync();
        await EventuallyAsync(async () => (await b.CliAsync("following", "list", "bo")).StdOut.Contains("accepted"), "follow accepted", b);
        var prompt = (await a.PublishAsync("prompts", new { content = "Secure and sound?" })).Value<string>("id")!;
        await EventuallyAsync(async () => (await b.CliAsync("timeline", "bo")).StdOut.Contains(prompt), "B received the prompt", b);
    }
}
