using System.Collections.Concurrent;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// security.md cases 13, 25 and the inbox half of 29 need the real inbox endpoint: the early answer to a self-Delete happens there, before the
/// signature is checked. The remote is a Kestrel on 127.0.0.1 whose actor is gone (410) and which counts every GET.
/// </summary>
public sealed class SecurityCasesTests : IAsyncLifetime
{
    private NodeProcess _node = null!;
    private WebApplication _gone = null!;
    private string _goneOrigin = "";
    private readonly ConcurrentQueue<string> _gets = new();

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync("security-cases");
        await _node.CliAsync("groups", "add", "circle", "--title", "Circle").MustAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _gone = builder.Build();
        _gone.Run(context =>
        {
            _gets.Enqueue(context.Request.Path.Value ?? "/");
            return Results.StatusCode(410).ExecuteAsync(context);
        });
        await _gone.StartAsync();
        _goneOrigin = _gone.Urls.First().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        await _gone.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Case13_self_delete_of_an_unknown_actor_whose_key_is_gone_is_202_with_no_fetch()
    {
        var ghost = $"{_goneOrigin}/users/ghost";
        var delete = Activity("Delete", ghost, ghost);

        using var response = await SendSignedAsync(delete, ghost + "#main-key");

        Assert.Equal(202, (int)response.StatusCode);
        Assert.Empty(_gets);
    }

    [Fact]
    public async Task Case13_twin_delete_of_a_note_by_the_same_unknown_actor_fetches_the_key_once_and_is_refused()
    {
        // Not a self-Delete: the key is looked up, answers 410, and the request is refused with nothing applied.
        var ghost = $"{_goneOrigin}/users/ghost";
        var delete = Activity("Delete", ghost, ghost + "/statuses/1");

        using var response = await SendSignedAsync(delete, ghost + "#main-key");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(new[] { "/users/ghost" }, _gets.ToArray());
    }

    [Fact]
    public async Task Case25_activity_relayed_by_a_third_party_with_only_an_ld_signature_is_not_authenticated()
    {
        // A relay (the fake server's learner) HTTP-signs a Follow whose actor is alice on another server; the only
        // thing vouching for alice is an embedded RsaSignature2017 LD signature, which FediLearn does not accept.
        await using var relay = await FakeRemoteServer.StartAsync();
        var group = $"{_node.Origin}/g/circle";
        var relayed = relay.Follow(group);
        relayed["actor"] = "https://elsewhere.example/users/alice";
        relayed["signature"] = new JObject
        {
            ["type"] = "RsaSignature2017",
            ["creator"] = "https://elsewhere.example/users/alice#main-key",
            ["created"] = "2026-12-01T10:00:00Z",
            ["signatureValue"] = Convert.ToBase64String(new byte[256]),
        };

        using var response = await relay.SendAsync($"{group}/inbox", relayed);

        Assert.Equal(401, (int)response.StatusCode);
        // The twin: the relay's own Follow, signed the same way, is accepted.
        using var own = await relay.SendAsync($"{group}/inbox", relay.Follow(group));
        Assert.Equal(202, (int)own.StatusCode);
        await relay.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var followers = (await _node.CliAsync("followers", "list", "circle")).StdOut;
        Assert.Contains(relay.ActorId, followers);
        Assert.DoesNotContain("elsewhere.example", followers);
    }

    [Fact]
    public async Task Case29_activity_nested_far_deeper_than_any_real_one_is_400_with_a_json_error()
    {
        // 100 000 levels would overflow a recursive parser's stack; the inbox must answer 400 and keep serving.
        var deep = "{\"type\":\"Create\",\"actor\":\"https://a.example/users/eve\",\"object\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        using var response = await PostRawAsync(deep);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.NotNull(JObject.Parse(await response.Content.ReadAsStringAsync())["error"]);

        // The twin: the same activity nested two levels deep parses and goes on to the signature check (unsigned: 401).
        using var shallow = await PostRawAsync("{\"type\":\"Create\",\"actor\":\"https://a.example/users/eve\",\"object\":[[]]}");
        Assert.Equal(401, (int)shallow.StatusCode);
    }

    private async Task<HttpResponseMessage> PostRawAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_node.Origin}/g/circle/inbox") { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        return await Http.SendAsync(request);
    }

    private static JObject Activity(string type, string actor, string obj) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = $"{actor}#delete-{Guid.NewGuid():N}",
        ["type"] = type,
        ["actor"] = actor,
        ["object"] = obj,
    };

    private async Task<HttpResponseMessage> SendSignedAsync(JObject activity, string keyId)
    {
        var body = Encoding.UTF8.GetBytes(activity.ToString(Newtonsoft.Json.Formatting.None));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_node.Origin}/g/circle/inbox") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
        var (privatePem, _) = KeyGenerator.NewRsa2048();
        using var key = SigningKey.FromPem(keyId, privatePem);
        HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
        return await Http.SendAsync(request);
    }
}

/// <summary>
/// security.md case 33: a remote actor whose name and username carry markup replies to a prompt; the public page shows
/// that markup as text. The remote is a Kestrel on 127.0.0.1 serving one actor with a real key.
/// </summary>
public sealed class SecurityCase33Tests
{
    private const string HostileName = "<img src=x onerror=alert(33)>Mia";
    private const string HostileUsername = "<b>mia</b>";

    [Fact]
    public async Task Case33_remote_name_and_username_with_markup_are_shown_as_text_on_the_public_page()
    {
        await using var a = await PublishingNode.StartAsync("case33");
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var remote = builder.Build();
        string origin = "";
        remote.MapGet("/users/mia", () => Results.Text(new JObject
        {
            ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
            ["id"] = $"{origin}/users/mia",
            ["type"] = "Person",
            ["preferredUsername"] = HostileUsername,
            ["name"] = HostileName,
            ["summary"] = "<script>alert(34)</script>",
            ["inbox"] = $"{origin}/users/mia/inbox",
            ["outbox"] = $"{origin}/users/mia/outbox",
            ["publicKey"] = new JObject { ["id"] = $"{origin}/users/mia#main-key", ["owner"] = $"{origin}/users/mia", ["publicKeyPem"] = publicPem },
        }.ToString(), "application/activity+json"));
        await remote.StartAsync();
        origin = remote.Urls.First().TrimEnd('/');
        var prompt = (await a.PublishAsync("prompts", new { content = "Who are you?" })).Value<string>("id")!;

        var actor = $"{origin}/users/mia";
        var reply = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{actor}/statuses/1/activity",
            ["type"] = "Create",
            ["actor"] = actor,
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["cc"] = new JArray(a.Group),
            ["object"] = new JObject
            {
                ["id"] = $"{actor}/statuses/1",
                ["type"] = "Note",
                ["attributedTo"] = actor,
                ["inReplyTo"] = prompt,
                ["published"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
                ["cc"] = new JArray(a.Group),
                ["content"] = "<p>Visible reply text</p>",
                ["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = a.Group, ["name"] = $"@rust@{a.Node.Authority}" }),
            },
        };
        var body = Encoding.UTF8.GetBytes(reply.ToString(Newtonsoft.Json.Formatting.None));
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"{a.Node.Origin}/inbox") { Content = new ByteArrayContent(body) })
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
            using var key = SigningKey.FromPem($"{actor}#main-key", privatePem);
            HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
            using var response = await Http.SendAsync(request);
            Assert.Equal(202, (int)response.StatusCode);
        }

        var html = "";
        await EventuallyAsync(async () => (html = await PageAsync(prompt)).Contains("Visible reply text"), "the reply is on the page", a.Node);

        // The twin of "never as markup": the hostile text is on the page, encoded.
        Assert.Contains("&lt;b&gt;mia&lt;/b&gt;", html);
        Assert.DoesNotContain(HostileUsername, html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<script>alert(34)", html);
    }

    private static async Task<string> PageAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}

/// <summary>
/// security.md principle 6: remote HTML is sanitized when stored and when rendered. The inbox stores replies clean; a
/// row that is not (written by an older allowlist, copied in from another database, left by a bug) must still reach
/// no browser or API client as markup. The rows are rewritten in the node's SQLite file behind its back, with the read
/// cache off so that the pages are built from them.
/// </summary>
public sealed class SecurityPrinciple6Tests
{
    private const string Dirty = "<p>kept text</p><script>alert(61)</script><img src=x onerror=\"alert(62)\"><a href=\"javascript:alert(63)\">a link</a>";

    [Fact]
    public async Task Stored_html_that_is_not_clean_is_cleaned_on_the_page_in_the_feed_and_in_the_api()
    {
        await using var a = await PublishingNode.StartAsync("principle6", new Dictionary<string, string> { ["FediLearn__ReadCache__Seconds"] = "0" });
        await using var remote = await FakeRemoteServer.StartAsync();
        var published = await a.PublishAsync("prompts", new { content = "What did you learn?" });
        var prompt = published.Value<string>("id")!;
        var reply = remote.MastodonReply("learner", $"{remote.Origin}/users/learner/statuses/1", prompt, a.Group, $"@rust@{a.Node.Authority}", "<p>an answer</p>");
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", reply))
            Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(async () => (await GetHtmlAsync(prompt)).Contains("an answer"), "the reply is on the page", a.Node);

        await using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(a.Node.DataPath, "fedilearn.db")};Pooling=false"))
        {
            await sqlite.OpenAsync();
            await using var command = sqlite.CreateCommand();
            command.CommandText = "UPDATE replies SET content_html = $dirty; UPDATE group_items SET content_html = $dirty;";
            command.Parameters.AddWithValue("$dirty", Dirty);
            Assert.Equal(2, await command.ExecuteNonQueryAsync());
        }

        var outputs = new Dictionary<string, string>
        {
            ["item page"] = await GetHtmlAsync(prompt),
            ["feed"] = await Http.GetStringAsync($"{a.Node.Origin}/groups/rust/feed.atom"),
            ["responses API"] = await (await a.SendAsync(HttpMethod.Get, $"groups/rust/prompts/{published.Value<long>("localId")}/responses")).Content.ReadAsStringAsync(),
            ["thread API"] = await (await a.SendAsync(HttpMethod.Get, $"thread?object={Uri.EscapeDataString(prompt)}")).Content.ReadAsStringAsync(),
        };
        foreach (var (where, text) in outputs)
        {
            Assert.True(text.Contains("kept text"), $"{where}: the stored text is shown\n{text}");
            foreach (var bad in new[] { "<script", "onerror", "javascript:", "\\u003Cscript", "&lt;script" })
                Assert.False(text.Contains(bad, StringComparison.OrdinalIgnoreCase), $"{where} has {bad}\n{text}");
        }
    }
}
