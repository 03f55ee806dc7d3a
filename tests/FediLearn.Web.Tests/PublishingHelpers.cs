using System.Net.Http.Headers;
using System.Text;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

/// <summary>A node with a group "rust", its facilitator "ana" and her API token.</summary>
internal sealed class PublishingNode(NodeProcess node, string token) : IAsyncDisposable
{
    public NodeProcess Node { get; } = node;
    public string Token { get; } = token;
    public string Group => $"{Node.Origin}/g/rust";

    public static async Task<PublishingNode> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var node = await NodeProcess.StartAsync(name, settings: settings);
        try
        {
            await node.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@example.org").MustAsync();
            await node.CliAsync("groups", "add", "rust", "--title", "Rust circle", "--facilitator", "ana").MustAsync();
            var token = (await node.CliAsync("tokens", "add", "ana").MustAsync()).StdOut.Trim();
            Assert.StartsWith("flt_", token);
            return new PublishingNode(node, token);
        }
        catch
        {
            await node.DisposeAsync(); // a failed set-up (e.g. settings the CLI refuses) must not leave the server running
            throw;
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, $"{Node.Origin}/api/{path}");
        if (token != "") request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        if (body is not null)
            request.Content = new StringContent(body is string s ? s : JObject.FromObject(body).ToString(), Encoding.UTF8, "application/json");
        try
        {
            return await TestHelpers.Http.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            // A refused connection means the server is gone: say how it ended and what it printed.
            throw new HttpRequestException($"{method} /api/{path}: {e.Message}; node {Node.Name} {Node.State}; its output:\n{Node.Output}", e);
        }
    }

    public async Task<JObject> PublishAsync(string kind, object body)
    {
        using var response = await SendAsync(HttpMethod.Post, $"groups/rust/{kind}", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 201, $"{(int)response.StatusCode}: {text}");
        return JObject.Parse(text);
    }

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
