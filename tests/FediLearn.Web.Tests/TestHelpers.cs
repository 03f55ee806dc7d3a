using System.Text.RegularExpressions;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

internal static class TestHelpers
{
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The token the tests give a node's <c>FediLearn:Metrics:Token</c>, to read its <c>/metrics</c>.</summary>
    public const string MetricsToken = "metrics-token-0123456789";

    public static Task<HttpResponseMessage> GetMetricsAsync(NodeProcess node, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{node.Origin}/metrics");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return Http.SendAsync(request);
    }

    /// <summary>The samples of a Prometheus text answer, by name and labels.</summary>
    public static async Task<Dictionary<string, double>> MetricsAsync(NodeProcess node)
    {
        using var response = await GetMetricsAsync(node, "Bearer " + MetricsToken);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = new Dictionary<string, double>();
        foreach (Match m in Regex.Matches(await response.Content.ReadAsStringAsync(), @"^([a-z_]+(?:\{[^}]*\})?) ([0-9.eE+-]+)$", RegexOptions.Multiline))
            samples[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return samples;
    }

    public static async Task<CliResult> MustAsync(this Task<CliResult> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, $"CLI failed ({result.ExitCode}): {result.StdOut}\n{result.StdErr}");
        return result;
    }

    /// <summary>The CLI refused with exit code 1 and exactly this message on standard error.</summary>
    public static async Task RefusedAsync(this Task<CliResult> run, string error)
    {
        var result = await run;
        Assert.True(result.ExitCode == 1, $"expected exit 1, got {result.ExitCode}: {result.StdOut}\n{result.StdErr}");
        Assert.Equal(error, result.StdErr.Trim());
    }

    /// <summary>
    /// The object a group's Announce relays: FEP-1b12 embeds the author's Create/Update (its object's id), a plain
    /// boost names the object. Null for anything else (e.g. an announced Delete).
    /// </summary>
    public static string? RelayedObjectId(ReceivedRequest r)
    {
        if (r.Activity.Value<string>("type") != "Announce") return null;
        return r.Activity["object"] switch
        {
            JValue { Type: JTokenType.String } id => (string?)id,
            JObject inner when inner.Value<string>("type") is "Create" or "Update" => inner["object"] is JObject o ? o.Value<string>("id") : inner.Value<string>("object"),
            _ => null,
        };
    }

    public static async Task<JObject> GetActivityJsonAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/activity+json");
        using var response = await Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/activity+json", response.Content.Headers.ContentType?.MediaType);
        return FediLearn.ActivityPub.Json.ActivityJson.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A page as a browser asks for it (Accept: text/html), which must answer 200.</summary>
    public static async Task<string> GetHtmlAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Polls until the condition holds, or fails with the node's log.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, NodeProcess? node = null, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(200);
        }
        Assert.Fail($"Timed out waiting for: {what}\n{node?.Output}");
    }

    /// <summary>Verifies a request our node sent, with the node's published key fetched over HTTP: an independent check of our signing.</summary>
    public static async Task<bool> VerifyFromNodeAsync(ReceivedRequest received, string publicUri)
    {
        var request = new SignedRequest("POST", new Uri(publicUri), received.Headers, received.Body);
        var inspection = HttpSignatureVerifier.Inspect(request, DateTimeOffset.UtcNow);
        if (inspection.Check is not { } check) return false;
        var actor = await GetActivityJsonAsync(check.KeyId.Split('#')[0]);
        Assert.Equal(check.KeyId, actor["publicKey"]!["id"]!.ToString());
        using var key = VerificationKey.FromPem(actor["publicKey"]!["publicKeyPem"]!.ToString());
        return check.Verify(key);
    }
}
