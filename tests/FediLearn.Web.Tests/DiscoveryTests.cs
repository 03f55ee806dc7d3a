using System.Xml.Linq;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>A newcomer's run: start a node, add a group, find it the way Mastodon does (federation.md items 1-7).</summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private NodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync("discovery");
        await _node.CliAsync("groups", "add", "rust-circle", "--title", "Rust study circle", "--summary", "Weekly <b>cohort</b>\n\nBring questions.").MustAsync();
    }

    public Task DisposeAsync() => _node.DisposeAsync().AsTask();

    [Fact]
    public async Task WebFinger_answers_the_acct_and_the_actor_url_with_exactly_one_self_link()
    {
        // The actor URL with a trailing slash too: the page answers it, so a client copying the address bar finds it.
        foreach (var resource in new[] { $"acct:rust-circle@{_node.Authority}", $"{_node.Origin}/g/rust-circle", $"{_node.Origin}/g/rust-circle/" })
        {
            using var response = await Http.GetAsync($"{_node.Origin}/.well-known/webfinger?resource={Uri.EscapeDataString(resource)}");
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("application/jrd+json", response.Content.Headers.ContentType?.MediaType);
            var jrd = JObject.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal($"acct:rust-circle@{_node.Authority}", jrd.Value<string>("subject"));
            var self = Assert.Single(jrd["links"]!, l => l.Value<string>("rel") == "self");
            Assert.Equal("application/activity+json", self.Value<string>("type"));
            Assert.Equal($"{_node.Origin}/g/rust-circle", self.Value<string>("href"));
        }
    }

    [Fact]
    public async Task WebFinger_finds_the_instance_actor_and_answers_unknown_resources_with_a_json_404()
    {
        using var instance = await Http.GetAsync($"{_node.Origin}/.well-known/webfinger?resource={Uri.EscapeDataString(_node.Origin + "/")}");
        Assert.Equal(200, (int)instance.StatusCode);
        Assert.Contains($"{_node.Origin}/actor", await instance.Content.ReadAsStringAsync());
        foreach (var resource in new[] { $"acct:nobody@{_node.Authority}", "acct:rust-circle@other.example", "https://other.example/g/x", "" })
        {
            using var response = await Http.GetAsync($"{_node.Origin}/.well-known/webfinger?resource={Uri.EscapeDataString(resource)}");
            Assert.True((int)response.StatusCode is 404 or 400, resource);
            Assert.NotNull(JObject.Parse(await response.Content.ReadAsStringAsync())["error"]);
        }
    }

    [Theory]
    [InlineData("application/activity+json")]
    [InlineData("application/ld+json")]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")]
    [InlineData("application/json")]
    public async Task The_group_url_serves_its_Group_document_to_activitypub_clients(string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_node.Origin}/g/rust-circle");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/activity+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept", response.Headers.Vary);
        var group = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"{_node.Origin}/g/rust-circle", group.Value<string>("id"));
        Assert.Equal("Group", group.Value<string>("type"));
        Assert.Equal("<p>Weekly &lt;b&gt;cohort&lt;/b&gt;</p><p>Bring questions.</p>", group.Value<string>("summary"));
        foreach (var field in new[] { "preferredUsername", "name", "url", "inbox", "outbox", "followers", "following", "featured", "attributedTo", "icon", "publicKey", "assertionMethod", "endpoints" })
            Assert.NotNull(group[field]);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", group["publicKey"]!.Value<string>("publicKeyPem"));
        Assert.StartsWith("z6Mk", group["assertionMethod"]![0]!.Value<string>("publicKeyMultibase"));
        var contexts = group["@context"]!.Children().Where(c => c.Type == JTokenType.String).Select(c => c.ToString()).ToList();
        Assert.Contains("https://www.w3.org/ns/activitystreams", contexts);
        Assert.Contains("https://w3id.org/security/v1", contexts);
    }

    [Fact]
    public async Task The_same_url_serves_a_readable_page_to_browsers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_node.Origin}/g/rust-circle");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Rust study circle", html);
        Assert.Contains($"@rust-circle@{_node.Authority}", html);
        Assert.Contains("Weekly &lt;b&gt;cohort&lt;/b&gt;", html); // text, never markup (security.md case 33)
        Assert.Contains("Follow from your fediverse account", html);
        Assert.Contains("rel=\"alternate\" type=\"application/activity+json\"", html);

        using var missing = new HttpRequestMessage(HttpMethod.Get, $"{_node.Origin}/g/nope");
        missing.Headers.Accept.ParseAdd("text/html");
        using var notFound = await Http.SendAsync(missing);
        Assert.Equal(404, (int)notFound.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await notFound.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NodeInfo_and_host_meta_describe_the_node_honestly()
    {
        var index = JObject.Parse(await Http.GetStringAsync($"{_node.Origin}/.well-known/nodeinfo"));
        var hrefs = index["links"]!.Select(l => l.Value<string>("href")!).ToList();
        Assert.Equal([$"{_node.Origin}/nodeinfo/2.1", $"{_node.Origin}/nodeinfo/2.0"], hrefs);
        foreach (var href in hrefs)
        {
            using var response = await Http.GetAsync(href);
            var version = href.EndsWith("2.1") ? "2.1" : "2.0";
            Assert.Equal($"\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"",
                response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "profile").Value);
            var info = JObject.Parse(await response.Content.ReadAsStringAsync());
            AssertValidNodeInfo(info, version);
            Assert.Equal("fedilearn", info["software"]!.Value<string>("name"));
            Assert.Equal(["activitypub"], info["protocols"]!.Values<string>());
            Assert.Equal(0, info["usage"]!["users"]!.Value<int>("total"));
            Assert.False(info.Value<bool>("openRegistrations"));
            // The check refuses what the schema refuses.
            foreach (var tamper in new Action<JObject>[]
            {
                d => d["groups"] = 1, // counts of our own belong in metadata
                d => d["usage"]!["users"]!["total"] = -1,
                d => d["software"]!["name"] = "FediLearn",
                d => d["software"]!["build"] = "1",
                d => d["protocols"] = new JArray(),
            })
            {
                var tampered = (JObject)info.DeepClone();
                tamper(tampered);
                Assert.ThrowsAny<Exception>(() => AssertValidNodeInfo(tampered, version));
            }
        }
        var xrd = XDocument.Parse(await Http.GetStringAsync($"{_node.Origin}/.well-known/host-meta"));
        var template = xrd.Descendants().Single(e => e.Name.LocalName == "Link").Attribute("template")!.Value;
        Assert.Equal($"{_node.Origin}/.well-known/webfinger?resource={{uri}}", template);
    }

    /// <summary>
    /// The constraints of the NodeInfo 2.0 and 2.1 JSON schemas (jhass/nodeinfo schemas/2.1/schema.json, written out
    /// here): crawlers that validate drop a document with any property the schema does not name, below the free-form
    /// <c>metadata</c>. 2.0 differs only in not allowing <c>software.repository</c> and <c>homepage</c>.
    /// </summary>
    private static void AssertValidNodeInfo(JObject info, string version)
    {
        static void Properties(JToken? o, string[] allowed, string[] required, string where)
        {
            var names = Assert.IsType<JObject>(o).Properties().Select(p => p.Name).ToList();
            Assert.True(names.All(allowed.Contains), $"{where}: {string.Join(", ", names.Except(allowed))} not in the schema");
            Assert.True(required.All(names.Contains), $"{where}: missing {string.Join(", ", required.Except(names))}");
        }
        static void Count(JToken? n, string where) =>
            Assert.True(n is null || (n.Type == JTokenType.Integer && n.Value<long>() >= 0), $"{where}: a whole number ≥ 0");
        string[] top = ["version", "software", "protocols", "services", "openRegistrations", "usage", "metadata"];
        Properties(info, top, top, "document");
        Assert.Equal(version, info.Value<string>("version"));
        Properties(info["software"], version == "2.1" ? ["name", "version", "repository", "homepage"] : ["name", "version"], ["name", "version"], "software");
        Assert.Matches("^[a-z0-9-]+$", info["software"]!.Value<string>("name"));
        Assert.Equal(JTokenType.String, info["software"]!["version"]!.Type);
        var protocols = Assert.IsType<JArray>(info["protocols"]);
        Assert.NotEmpty(protocols);
        Assert.All(protocols, p => Assert.Contains(p.Value<string>(), (string[])["activitypub", "buddycloud", "dfrn", "diaspora", "libertree", "ostatus", "pumpio", "tent", "xmpp", "zot"]));
        Properties(info["services"], ["inbound", "outbound"], ["inbound", "outbound"], "services");
        Assert.IsType<JArray>(info["services"]!["inbound"]);
        Assert.IsType<JArray>(info["services"]!["outbound"]);
        Assert.Equal(JTokenType.Boolean, info["openRegistrations"]!.Type);
        Properties(info["usage"], ["users", "localPosts", "localComments"], ["users"], "usage");
        Properties(info["usage"]!["users"], ["total", "activeHalfyear", "activeMonth"], [], "usage.users");
        foreach (var n in new[] { "total", "activeHalfyear", "activeMonth" }) Count(info["usage"]!["users"]![n], $"usage.users.{n}");
        Count(info["usage"]!["localPosts"], "usage.localPosts");
        Count(info["usage"]!["localComments"], "usage.localComments");
        Assert.IsType<JObject>(info["metadata"]);
    }

    [Fact]
    public async Task Collections_are_ordered_collections_and_the_instance_actor_is_an_Application()
    {
        foreach (var name in new[] { "followers", "following", "outbox", "featured", "moderators" })
        {
            var collection = await GetActivityJsonAsync($"{_node.Origin}/g/rust-circle/{name}");
            Assert.Equal("OrderedCollection", collection.Value<string>("type"));
            Assert.Equal($"{_node.Origin}/g/rust-circle/{name}", collection.Value<string>("id"));
            Assert.Equal(0, collection.Value<int>("totalItems"));
        }
        var page = await GetActivityJsonAsync($"{_node.Origin}/g/rust-circle/followers?page=1");
        Assert.Equal("OrderedCollectionPage", page.Value<string>("type"));
        Assert.Empty(page["orderedItems"]!);
        var instance = await GetActivityJsonAsync($"{_node.Origin}/actor");
        Assert.Equal("Application", instance.Value<string>("type"));
        Assert.Equal($"{_node.Origin}/actor#main-key", instance["publicKey"]!.Value<string>("id"));
        using var icon = await Http.GetAsync($"{_node.Origin}/g/rust-circle/icon.png");
        Assert.Equal("image/png", icon.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0x89, (await icon.Content.ReadAsByteArrayAsync())[0]);
    }

    [Fact]
    public async Task Cli_errors_are_one_clear_line_and_a_non_zero_exit()
    {
        var duplicate = await _node.CliAsync("groups", "add", "rust-circle", "--title", "Again");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Equal("error: the name \"rust-circle\" is already taken by a group or member", duplicate.StdErr.Trim());
        var invalid = await _node.CliAsync("groups", "add", "Rust Circle", "--title", "x");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("is not a valid name", invalid.StdErr);
        Assert.Single(invalid.StdErr.Trim().Split('\n'));
        var unknown = await _node.CliAsync("followers", "list", "nope");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("error: no group or member named \"nope\"", unknown.StdErr.Trim());
        var groupForMember = await _node.CliAsync("tokens", "add", "rust-circle");
        Assert.Equal(1, groupForMember.ExitCode);
        Assert.Equal("error: \"rust-circle\" is a group, not a member", groupForMember.StdErr.Trim());
        var noRows = await _node.CliAsync("deliveries", "list", "--limit", "0");
        Assert.Equal(1, noRows.ExitCode);
        Assert.Equal("--limit must be between 1 and 10000 (got 0)", noRows.StdErr.Trim());
        var tooMany = await _node.CliAsync("timeline", "ana", "--limit", "5000");
        Assert.Equal(1, tooMany.ExitCode);
        Assert.Equal("--limit must be between 1 and 1000 (got 5000)", tooMany.StdErr.Trim());
        var noPassword = await _node.CliWithInputAsync("", "users", "add", "bea", "--email", "bea@example.org");
        Assert.Equal(1, noPassword.ExitCode);
        Assert.Contains("no password on standard input", noPassword.StdErr);
        var help = await _node.CliAsync("followers", "approve", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("actor-id", help.StdOut);
        var list = await _node.CliAsync("groups", "list").MustAsync();
        Assert.Contains("rust-circle", list.StdOut);
    }

    [Fact]
    public async Task Following_remove_asks_for_the_actor_id_it_matches()
    {
        var help = await _node.CliAsync("following", "remove", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("<user> <actor-id>", help.StdOut);
        Assert.DoesNotContain("name@host", help.StdOut);
    }

    [Fact]
    public async Task A_mistyped_verb_is_refused_by_the_cli_and_help_takes_a_verb()
    {
        // A first word that is no verb used to start the server (here: "the server did not start", the node's port taken).
        var typo = await _node.CliAsync("grups", "list");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("Unrecognized command or argument 'grups'", typo.StdErr);
        Assert.Contains("groups", typo.StdOut);
        RsvpApprovalTests.AssertNoStackTrace(typo);
        var help = await _node.CliAsync("help", "groups");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Manage learning groups", help.StdOut);
        Assert.Empty(help.StdErr);
        var helpTypo = await _node.CliAsync("help", "grups"); // the twin: no such verb to help with
        Assert.Equal(1, helpTypo.ExitCode);
        Assert.Contains("Unrecognized command or argument 'grups'", helpTypo.StdErr);
        RsvpApprovalTests.AssertNoStackTrace(helpTypo);
    }
}
