using System.Diagnostics;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;

namespace FediLearn.Web.Tests;

/// <summary>Raw signed POSTs, a reader that times the node's public GETs, and read-only looks into the node's database.</summary>
internal static class FaultHelpers
{
    private static readonly HttpClient Raw = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>POSTs the bytes as they are, signed (draft-cavage) with the key unless <paramref name="pem"/> is null.</summary>
    public static async Task<HttpResponseMessage> PostAsync(string inbox, byte[] body, string? keyId, string? pem, string contentType = "application/activity+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (keyId is not null && pem is not null)
        {
            using var key = SigningKey.FromPem(keyId, pem);
            HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
        }
        return await Raw.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(string inbox, string json, string keyId, string pem) =>
        PostAsync(inbox, Encoding.UTF8.GetBytes(json), keyId, pem);

    /// <summary>
    /// Lines of the node's log that show an error or an exception stack. A 500 always logs one: the exception handler
    /// writes "fail:" with the stack before answering (request lines themselves are not logged at Information).
    /// </summary>
    public static IReadOnlyList<string> BadLogLines(NodeProcess node) => node.Output.Split('\n')
        .Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)
                    || l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase)
                    || l.Contains("   at ", StringComparison.Ordinal))
        .ToList();

    public static SqliteConnection OpenDatabase(NodeProcess node)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(node.DataPath, "fedilearn.db")};Mode=ReadOnly;Default Timeout=30");
        connection.Open();
        return connection;
    }

    public static List<object?[]> Query(NodeProcess node, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenDatabase(node);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for: {what()}");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Reads the group actor and its WebFinger every 100 ms, as visitors and other servers would, and times each answer:
/// the node must keep serving reads while misbehaving peers are being hit.
/// </summary>
internal sealed class ReadProbe : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string What, int Status, TimeSpan Latency)> _reads = [];
    private readonly Task _loop;

    private int Count { get { lock (_reads) return _reads.Count; } }

    private ReadProbe(string group, string webFinger) => _loop = LoopAsync(group, webFinger);

    public static ReadProbe Start(NodeProcess node, string groupName) =>
        new($"{node.Origin}/g/{groupName}", $"{node.Origin}/.well-known/webfinger?resource=acct:{groupName}@{node.Authority}");

    private async Task LoopAsync(string group, string webFinger)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (what, url, accept) in new[] { ("group actor", group, "application/activity+json"), ("webfinger", webFinger, "application/jrd+json") })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Accept.ParseAdd(accept);
                var watch = Stopwatch.StartNew();
                int status;
                try
                {
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsStringAsync();
                    status = (int)response.StatusCode;
                }
                catch (Exception) { status = 0; }
                lock (_reads) _reads.Add((what, status, watch.Elapsed));
            }
            try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Stops reading (after at least four reads, so a quick scenario is still measured) and returns every read made.</summary>
    public async Task<IReadOnlyList<(string What, int Status, TimeSpan Latency)>> StopAsync()
    {
        for (var i = 0; i < 100 && Count < 4; i++) await Task.Delay(100);
        await _stop.CancelAsync();
        await _loop;
        lock (_reads) return _reads.ToList();
    }

    public static void AssertServedNormally(IReadOnlyList<(string What, int Status, TimeSpan Latency)> reads, TimeSpan bound)
    {
        Assert.True(reads.Count >= 4, $"only {reads.Count} reads were made");
        Assert.All(reads, r => Assert.Equal(200, r.Status));
        var slowest = reads.MaxBy(r => r.Latency);
        Assert.True(slowest.Latency < bound,
            $"the slowest read ({slowest.What}) took {slowest.Latency.TotalMilliseconds:0} ms of {reads.Count}; median {reads.Select(r => r.Latency.TotalMilliseconds).Order().ElementAt(reads.Count / 2):0} ms");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
