using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FediLearn.Benchmarks;

/// <summary>One remote sender: an actor on one of the actor server's ports, with its RSA-2048 key.</summary>
public sealed record RemoteSender(int Index, string ActorId, string KeyId, string PublicKeyPem, string PrivateKeyPem, SigningKey Key);

/// <summary>
/// The remote "servers" that send to the inboxes: one Kestrel on 127.0.0.1 listening on a few ports, serving the
/// senders' actor documents (each receiver fetches each key once, then keeps it), and on one more port the bare
/// verifying inbox (reference B): digest, date window, cached parsed key, RSA verify, JSON parse, key owner = actor,
/// 202; it stores nothing.
/// </summary>
public sealed class InboxPeers : IAsyncDisposable
{
    private const int MaxBody = 1024 * 1024;
    private readonly WebApplication _app;
    private readonly HttpClient _fetch = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, Lazy<Task<(VerificationKey Key, string Owner)?>>> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _fetchesByAgent = new(StringComparer.Ordinal);
    private long _bareAccepted;

    private InboxPeers(WebApplication app) => _app = app;

    public IReadOnlyList<int> ActorPorts { get; private set; } = [];
    public int BarePort { get; private set; }
    public string BareInbox => $"http://127.0.0.1:{BarePort}/inbox";
    public long BareAccepted => Interlocked.Read(ref _bareAccepted);

    /// <summary>Actor document GETs so far, by the fetching side ("fedilearn", "fedify", "bare").</summary>
    public IReadOnlyDictionary<string, int> Fetches => _fetchesByAgent;

    public static async Task<InboxPeers> StartAsync(int actorPorts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            for (var i = 0; i < actorPorts + 1; i++) kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var peers = new InboxPeers(app);
        app.MapGet("/users/{name}", (Delegate)((HttpContext c) => peers.ServeActorAsync(c)));
        app.MapPost("/inbox", (Delegate)((HttpContext c) => peers.ReceiveAsync(c)));
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).Distinct().Order().ToArray();
        if (ports.Length != actorPorts + 1) throw new InvalidOperationException("actor server did not bind every port");
        peers.ActorPorts = ports[..actorPorts];
        peers.BarePort = ports[^1];
        return peers;
    }

    /// <summary>
    /// <paramref name="count"/> senders spread over the actor ports (so over as many remote "servers"), keys made in
    /// parallel, named from <paramref name="firstIndex"/> on. Their actor documents are answered after
    /// <paramref name="answerDelay"/> (a remote server's usual latency, for first contacts that overlap).
    /// </summary>
    public RemoteSender[] CreateSenders(int count, int firstIndex = 0, TimeSpan answerDelay = default)
    {
        var senders = new RemoteSender[count];
        Parallel.For(0, count, n =>
        {
            var i = firstIndex + n;
            var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
            var actorId = $"http://127.0.0.1:{ActorPorts[i % ActorPorts.Count]}/users/a{i}";
            senders[n] = new RemoteSender(i, actorId, actorId + "#main-key", publicPem, privatePem, SigningKey.FromPem(actorId + "#main-key", privatePem));
        });
        foreach (var s in senders)
        {
            if (answerDelay > TimeSpan.Zero) _delays[new Uri(s.ActorId).AbsolutePath + "@" + new Uri(s.ActorId).Port] = answerDelay;
            _documents[new Uri(s.ActorId).AbsolutePath + "@" + new Uri(s.ActorId).Port] = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["@context"] = new[] { "https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1" },
                ["id"] = s.ActorId,
                ["type"] = "Person",
                ["preferredUsername"] = $"a{s.Index}",
                ["name"] = $"Bench sender {s.Index}",
                ["inbox"] = s.ActorId + "/inbox",
                ["outbox"] = s.ActorId + "/outbox",
                ["followers"] = s.ActorId + "/followers",
                ["endpoints"] = new Dictionary<string, string> { ["sharedInbox"] = new Uri(s.ActorId).GetLeftPart(UriPartial.Authority) + "/inbox" },
                ["publicKey"] = new Dictionary<string, string> { ["id"] = s.KeyId, ["owner"] = s.ActorId, ["publicKeyPem"] = s.PublicKeyPem },
            });
        }
        return senders;
    }

    private async Task ServeActorAsync(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        var who = agent.Contains("Fedify", StringComparison.OrdinalIgnoreCase) ? "fedify"
            : agent.Contains("FediLearn", StringComparison.OrdinalIgnoreCase) ? "fedilearn"
            : agent.Length == 0 ? "bare" : agent;
        _fetchesByAgent.AddOrUpdate(who, 1, (_, n) => n + 1);
        var key = context.Request.Path.Value + "@" + context.Connection.LocalPort;
        if (_delays.TryGetValue(key, out var delay)) await Task.Delay(delay);
        if (!_documents.TryGetValue(key, out var json))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = "application/activity+json";
        await context.Response.WriteAsync(json);
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        if (context.Request.ContentLength is > MaxBody)
        {
            context.Response.StatusCode = 413;
            return;
        }
        using var buffer = new MemoryStream(context.Request.ContentLength is { } length ? (int)length : 4096);
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers) headers[name] = values.ToString();
        var uri = new Uri($"http://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}");
        var inspection = HttpSignatureVerifier.Inspect(new SignedRequest("POST", uri, headers, body), DateTimeOffset.UtcNow);
        if (inspection.Check is not { } check)
        {
            context.Response.StatusCode = 401;
            return;
        }
        var key = await GetKeyAsync(check.KeyId);
        if (key is not { } k || !check.Verify(k.Key))
        {
            context.Response.StatusCode = 401;
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("actor", out var actor) || actor.GetString() != k.Owner || !doc.RootElement.TryGetProperty("type", out _))
            {
                context.Response.StatusCode = 401;
                return;
            }
        }
        catch (JsonException)
        {
            context.Response.StatusCode = 400;
            return;
        }
        Interlocked.Increment(ref _bareAccepted);
        context.Response.StatusCode = 202;
    }

    private Task<(VerificationKey Key, string Owner)?> GetKeyAsync(string keyId) =>
        _keys.GetOrAdd(keyId, id => new Lazy<Task<(VerificationKey, string)?>>(() => FetchKeyAsync(id))).Value;

    private async Task<(VerificationKey, string)?> FetchKeyAsync(string keyId)
    {
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri) || uri.Host != "127.0.0.1") return null;
        using var response = await _fetch.GetAsync(uri.GetLeftPart(UriPartial.Path));
        if (!response.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var key = doc.RootElement.GetProperty("publicKey");
        if (key.GetProperty("id").GetString() != keyId) return null;
        return (VerificationKey.FromPem(key.GetProperty("publicKeyPem").GetString()!), doc.RootElement.GetProperty("id").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _fetch.Dispose();
    }
}

/// <summary>What one pass of the signed load saw at the client: accepted (202) count, other statuses, latencies.</summary>
public sealed record InboxLoadResult(int Sent, int Accepted, Dictionary<int, int> Others, long StartTicks, long LastTicks, double[] LatenciesMs)
{
    public double Seconds => Stopwatch.GetElapsedTime(StartTicks, LastTicks).TotalSeconds;
    public double AcceptedPerSecond => Accepted / Seconds;
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// The load: signed Create{Note} replies, pre-signed (draft-cavage: (request-target), host, date, digest, content-type)
/// with HttpSignatureSigner just before each pass, sent by a fixed number of concurrent senders over one pooled HttpClient.
/// </summary>
public sealed class SignedLoad : IDisposable
{
    private static long _sequence;
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A Create{Note} reply by <paramref name="sender"/> in reply to <paramref name="inReplyTo"/>, addressed to Public; a fresh id each call.</summary>
    public static byte[] Reply(RemoteSender sender, string inReplyTo, string groupActor, string tag)
    {
        var n = Interlocked.Increment(ref _sequence);
        var published = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{sender.ActorId}/creates/{tag}-{n}",
            ["type"] = "Create",
            ["actor"] = sender.ActorId,
            ["published"] = published,
            ["to"] = new[] { "https://www.w3.org/ns/activitystreams#Public" },
            ["cc"] = new[] { groupActor, sender.ActorId + "/followers" },
            ["object"] = new Dictionary<string, object>
            {
                ["id"] = $"{sender.ActorId}/notes/{tag}-{n}",
                ["type"] = "Note",
                ["attributedTo"] = sender.ActorId,
                ["inReplyTo"] = inReplyTo,
                ["content"] = $"<p>Reply {n} from sender {sender.Index}: I tried the exercise and the second step took me longer than expected; here is what I found.</p>",
                ["published"] = published,
                ["to"] = new[] { "https://www.w3.org/ns/activitystreams#Public" },
                ["cc"] = new[] { groupActor, sender.ActorId + "/followers" },
            },
        });
    }

    /// <summary>Builds and signs <paramref name="count"/> requests to <paramref name="inbox"/> (senders round-robin), on every core.</summary>
    public static HttpRequestMessage[] PreSign(RemoteSender[] senders, string inbox, int count, string inReplyTo, string groupActor, string tag)
    {
        var requests = new HttpRequestMessage[count];
        var now = DateTimeOffset.UtcNow;
        Parallel.For(0, count, i =>
        {
            var sender = senders[i % senders.Length];
            requests[i] = Signed(inbox, Reply(sender, inReplyTo, groupActor, tag), sender.Key, now, null);
        });
        return requests;
    }

    /// <summary>One signed POST; <paramref name="tamper"/> changes the body after signing (the Digest and Signature stay the original's).</summary>
    public static HttpRequestMessage Signed(string inbox, byte[] body, SigningKey key, DateTimeOffset now, Func<byte[], byte[]>? tamper)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/activity+json");
        HttpSignatureSigner.SignDraftCavage(request, body, key, now);
        if (tamper is not null)
        {
            var headers = request.Content.Headers.ToList();
            request.Content = new ByteArrayContent(tamper(body));
            foreach (var (name, values) in headers)
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) request.Content.Headers.TryAddWithoutValidation(name, values);
        }
        return request;
    }

    public async Task<(int Status, string Body)> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        using (var response = await _client.SendAsync(request, ct))
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    public async Task<InboxLoadResult> RunAsync(HttpRequestMessage[] requests, int concurrency, TimeSpan timeout, CancellationToken ct)
    {
        var latencies = new double[requests.Length];
        var statuses = new int[requests.Length];
        var next = -1;
        long last = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= requests.Length) return;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await _client.SendAsync(requests[i], HttpCompletionOption.ResponseHeadersRead, limit.Token);
                    statuses[i] = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    statuses[i] = -1;
                }
                finally
                {
                    requests[i].Dispose();
                }
                var t1 = Stopwatch.GetTimestamp();
                latencies[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                long seen;
                while (t1 > (seen = Interlocked.Read(ref last)) && Interlocked.CompareExchange(ref last, t1, seen) != seen) { }
            }
        }, limit.Token)).ToArray();
        await Task.WhenAll(workers);
        var others = statuses.Where(s => s != 202).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        return new InboxLoadResult(requests.Length, statuses.Count(s => s == 202), others, start, last, latencies);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Reference A: RSA-2048 PKCS#1 v1.5 SHA-256 verifications/s with a cached parsed key (one RSA instance per thread).</summary>
public static class RsaVerifyBaseline
{
    private static readonly byte[] SigningString = Encoding.UTF8.GetBytes(
        "(request-target): post /inbox\nhost: 127.0.0.1:40000\ndate: Tue, 07 Jun 2026 20:51:35 GMT\n" +
        "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-type: application/activity+json");

    public static double VerificationsPerSecond(string privateKeyPem, int threads, TimeSpan duration)
    {
        byte[] signature;
        string publicPem;
        using (var signer = RSA.Create())
        {
            signer.ImportFromPem(privateKeyPem);
            signature = signer.SignData(SigningString, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            publicPem = signer.ExportSubjectPublicKeyInfoPem();
        }
        var counts = new long[threads];
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim();
        long deadline = 0;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(publicPem);
            if (!rsa.VerifyData(SigningString, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) throw new InvalidOperationException("verify baseline: bad signature");
            ready.Signal();
            go.Wait();
            long n = 0;
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref deadline) && n < 100_000_000)
            {
                rsa.VerifyData(SigningString, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                n++;
            }
            counts[t] = n;
        }) { IsBackground = true, Name = $"rsa-verify-{t}" }).ToArray();
        foreach (var w in workers) w.Start();
        ready.Wait();
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref deadline, start + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        go.Set();
        foreach (var w in workers) w.Join();
        return counts.Sum() / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

/// <summary>The Fedify inbox (tests/FediLearn.Benchmarks/fedify/inbox.mjs) as a child process on 127.0.0.1.</summary>
public sealed class FedifyInbox : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stderr = new();

    private FedifyInbox(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public string Inbox => $"http://127.0.0.1:{Port}/inbox";
    public string StdErr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The folder with inbox.mjs: the source tree's (found upwards from the binary), so node_modules is installed once.</summary>
    public static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "FediLearn.Benchmarks", "fedify");
            if (File.Exists(Path.Combine(candidate, "inbox.mjs"))) return candidate;
        }
        throw new FileNotFoundException("tests/FediLearn.Benchmarks/fedify/inbox.mjs not found above " + AppContext.BaseDirectory);
    }

    public static async Task<FedifyInbox> StartAsync(CancellationToken ct)
    {
        var folder = Folder();
        // npm ci when node_modules is missing or older than package-lock.json (install.sh decides; a no-op otherwise).
        using (var install = Process.Start(new ProcessStartInfo("bash", [Path.Combine(folder, "install.sh")]) { RedirectStandardError = true, UseShellExecute = false })!)
        {
            var err = install.StandardError.ReadToEndAsync(ct);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromMinutes(4));
            await install.WaitForExitAsync(limit.Token);
            if (install.ExitCode != 0) throw new InvalidOperationException($"fedify/install.sh failed ({install.ExitCode}): {await err}");
        }
        var info = new ProcessStartInfo(Path.Combine(folder, "node_modules", ".bin", "node"), ["inbox.mjs", "--port", "0"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info)!;
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inbox = (FedifyInbox?)null;
        var stderr = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("LISTENING ", StringComparison.Ordinal) == true) ready.TrySetResult(int.Parse(e.Data[10..], System.Globalization.CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) { if (stderr.Length < 100_000) stderr.AppendLine(e.Data); } };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("the Fedify inbox exited: " + stderr));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        int port;
        try
        {
            port = await ready.Task.WaitAsync(TimeSpan.FromSeconds(180), ct); // loading Fedify takes a while on a busy machine
        }
        catch
        {
            if (!process.HasExited) process.Kill();
            process.Dispose();
            throw;
        }
        inbox = new FedifyInbox(process, port);
        lock (stderr) inbox._stderr.Append(stderr);
        return inbox;
    }

    public async Task<int> CreatedAsync(HttpClient http, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{Port}/control/count", ct));
        return doc.RootElement.GetProperty("created").GetInt32();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>Inbox state in the node's SQLite file (WAL: reading does not block the node's writers).</summary>
public sealed class NodeInboxState(string dataPath) : IDisposable
{
    private readonly SqliteConnection _connection = Open(dataPath);

    private static SqliteConnection Open(string dataPath)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataPath, "fedilearn.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        c.Open();
        return c;
    }

    /// <summary>Inbox items not yet applied (pending or running), failed items, replies stored in the group and those with their Announce queued, open fan-out jobs.</summary>
    public (long Open, long Failed, long Replies, long Relayed, long OpenFanouts) Read(long groupId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT COUNT(*) FROM inbox_items WHERE state IN (0, 1)),
                   (SELECT COUNT(*) FROM inbox_items WHERE state = 3),
                   (SELECT COUNT(*) FROM replies WHERE group_id = $g),
                   (SELECT COUNT(*) FROM replies r JOIN outbound_activities o ON o.id = r.announce_activity_id WHERE r.group_id = $g),
                   (SELECT COUNT(*) FROM fanout_jobs WHERE state IN (0, 1))
            """;
        cmd.Parameters.AddWithValue("$g", groupId);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    public void Dispose() => _connection.Dispose();
}
