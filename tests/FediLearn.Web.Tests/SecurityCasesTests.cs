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
/// security.md case 13 needs the real inbox endpoint: the early answer to a self-Delete happens there, before the
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
