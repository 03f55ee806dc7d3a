using System.Collections.Concurrent;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace FediLearn.Testing;

public sealed record ReceivedRequest(string Path, JObject Activity, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith, DateTimeOffset At);

/// <summary>
/// A remote fediverse server played by a real Kestrel on 127.0.0.1:0 (in place of WireMock.Net, which does not restore here).
/// It serves one Person actor with a real RSA key, signs what it sends, and answers its inbox as the test scripts it.
/// </summary>
public sealed class FakeRemoteServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentDictionary<string, JObject> _objects = new();
    private readonly ConcurrentDictionary<string, int> _actorStatus = new();
    private string _publicPem;
    private int _inboxCalls;

    private FakeRemoteServer(WebApplication app, string privatePem, string publicPem)
    {
        _app = app;
        _publicPem = publicPem;
        PrivatePem = privatePem;
    }

    public string PrivatePem { get; private set; }
    public string Origin { get; private set; } = "";
    public string ActorId => Actor("learner");
    public string Inbox => $"{ActorId}/inbox";
    public string KeyId => $"{ActorId}#main-key";
    public string SharedInbox => $"{Origin}/inbox";

    /// <summary>The server hosts any number of actors (/users/{name}); they share one key pair and the shared inbox.</summary>
    public string Actor(string name) => $"{Origin}/users/{name}";
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Decides the status for the n-th (1-based) POST to the inbox; 202 by default.</summary>
    public Func<int, int> InboxStatus { get; set; } = _ => 202;

    /// <summary>How long the inbox takes to answer (a slow server); the request is recorded as received at once.</summary>
    public TimeSpan InboxDelay { get; set; } = TimeSpan.Zero;

    // Cancelled by AnswerDelayedNow: every request still waiting out its InboxDelay is answered at once.
    private CancellationTokenSource _delays = new();

    /// <summary>Answers every inbox request still waiting out its <see cref="InboxDelay"/> now (a slow server that recovers).</summary>
    public void AnswerDelayedNow() => Interlocked.Exchange(ref _delays, new CancellationTokenSource()).Cancel();

    /// <summary>The most inbox POSTs this server has had open at the same time.</summary>
    public int MaxConcurrentInbox => Volatile.Read(ref _maxOpen);

    private int _open;
    private int _maxOpen;

    /// <summary>Starts on a free port, or on <paramref name="port"/> (a server coming back where a stopped one was).</summary>
    public static async Task<FakeRemoteServer> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var server = new FakeRemoteServer(app, privatePem, publicPem);
        app.MapGet("/users/{name}", (string name) => server._actorStatus.TryGetValue(name, out var status)
            ? Results.Text(new JObject { ["id"] = server.Actor(name), ["type"] = "Tombstone" }.ToString(), "application/activity+json", statusCode: status)
            : Results.Text(server.ActorDocument(name).ToString(), "application/activity+json"));
        app.MapGet("/users/{name}/statuses/{n}", (HttpContext c) =>
            server._objects.TryGetValue($"{server.Origin}{c.Request.Path}", out var obj)
                ? Results.Text(obj.ToString(), "application/activity+json")
                : Results.NotFound());
        app.MapPost("/users/{name}/inbox", (Delegate)((HttpContext c) => server.ReceiveAsync(c)));
        app.MapPost("/inbox", (Delegate)((HttpContext c) => server.ReceiveAsync(c)));
        await app.StartAsync();
        server.Origin = app.Urls.First().TrimEnd('/');
        return server;
    }

    public JObject ActorDocument(string name = "learner") => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
        ["id"] = Actor(name),
        ["type"] = "Person",
        ["preferredUsername"] = name,
        ["name"] = $"{name} elsewhere",
        ["inbox"] = $"{Actor(name)}/inbox",
        ["outbox"] = $"{Actor(name)}/outbox",
        ["followers"] = $"{Actor(name)}/followers",
        ["endpoints"] = new JObject { ["sharedInbox"] = SharedInbox },
        ["publicKey"] = new JObject { ["id"] = $"{Actor(name)}#main-key", ["owner"] = Actor(name), ["publicKeyPem"] = _publicPem },
    };

    /// <summary>From now on the actor's document answers <paramref name="status"/> (410 Gone for a deleted account, or 404).</summary>
    public void RemoveActor(string name, int status) => _actorStatus[name] = status;

    /// <summary>Serves an object at its id (under /users/{name}/statuses/…), as the author's server does.</summary>
    public void Serve(JObject obj) => _objects[obj.Value<string>("id")!] = (JObject)obj.DeepClone();

    /// <summary>Replaces the actor's key pair under the same keyId, as a server rotating keys does. Returns the old private key.</summary>
    public string RotateKey()
    {
        var old = PrivatePem;
        (PrivatePem, _publicPem) = KeyGenerator.NewRsa2048();
        return old;
    }

    /// <summary>Shaped like Mastodon's Create{Note} for a reply (reference/federation.md §2): to Public, cc the author's followers, mentioning the group.</summary>
    public JObject MastodonReply(string author, string noteId, string inReplyTo, string group, string groupHandle, string html) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", new JObject { ["sensitive"] = "as:sensitive" }),
        ["id"] = $"{noteId}/activity",
        ["type"] = "Create",
        ["actor"] = Actor(author),
        ["published"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
        ["cc"] = new JArray($"{Actor(author)}/followers", group),
        ["object"] = new JObject
        {
            ["id"] = noteId,
            ["type"] = "Note",
            ["summary"] = null,
            ["inReplyTo"] = inReplyTo,
            ["published"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["url"] = noteId,
            ["attributedTo"] = Actor(author),
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["cc"] = new JArray($"{Actor(author)}/followers", group),
            ["sensitive"] = false,
            ["content"] = html,
            ["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = group, ["name"] = groupHandle }),
        },
    };

    /// <summary>A Follow shaped like Mastodon's (reference/federation.md §1.4): no to/cc, a non-dereferenceable id.</summary>
    public JObject Follow(string objectId, string actorName = "learner") => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = $"{Origin}/{Guid.NewGuid()}",
        ["type"] = "Follow",
        ["actor"] = Actor(actorName),
        ["object"] = objectId,
    };

    /// <summary>POSTs an activity signed with this server's key (draft-cavage, as Mastodon does), unless told to tamper or skip signing.</summary>
    public async Task<HttpResponseMessage> SendAsync(string inbox, JObject activity, bool sign = true, Action<HttpRequestMessage>? tamper = null, string? signWithPem = null)
    {
        var body = Encoding.UTF8.GetBytes(activity.ToString(Newtonsoft.Json.Formatting.None));
        using var client = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        if (sign)
        {
            // Sign as the activity's actor when it is one of ours; otherwise as the learner (a forgery test).
            var actor = activity.Value<string>("actor");
            var keyId = actor is not null && actor.StartsWith(Origin + "/users/", StringComparison.Ordinal) ? $"{actor}#main-key" : KeyId;
            using var key = SigningKey.FromPem(keyId, signWithPem ?? PrivatePem);
            HttpSignatureSigner.SignDraftCavage(request, body, key, DateTimeOffset.UtcNow);
        }
        tamper?.Invoke(request);
        return await client.SendAsync(request);
    }

    /// <summary>A GET for ActivityPub JSON as this server's learner sends it: signed (draft-cavage, or RFC 9421) unless told not to, or with another key.
    /// <paramref name="accept"/> replaces the Accept header; null sends none.</summary>
    public async Task<HttpResponseMessage> GetAsync(string url, bool sign = true, bool rfc9421 = false, string? signWithPem = null, string? accept = "application/activity+json")
    {
        using var client = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        if (sign)
        {
            using var key = SigningKey.FromPem(KeyId, signWithPem ?? PrivatePem);
            if (rfc9421) HttpSignatureSigner.SignRfc9421(request, null, key, DateTimeOffset.UtcNow);
            else HttpSignatureSigner.SignDraftCavage(request, null, key, DateTimeOffset.UtcNow);
        }
        return await client.SendAsync(request);
    }

    /// <summary><paramref name="actorName"/> follows <paramref name="group"/> at its inbox; returns once the group's Accept came.</summary>
    public async Task FollowAsync(string group, string actorName = "learner")
    {
        var follow = Follow(group, actorName);
        var id = follow.Value<string>("id");
        (await SendAsync($"{group}/inbox", follow)).Dispose();
        await WaitForAsync(r => r.Activity.Value<string>("type") == "Accept"
            && (r.Activity["object"] is JObject o ? o.Value<string>("id") : r.Activity.Value<string>("object")) == id, TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until a received activity matches, or fails with what did arrive.</summary>
    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Received.FirstOrDefault(match) is { } hit) return hit;
            await Task.Delay(100);
        }
        throw new TimeoutException("Expected activity not received. Got: " + string.Join("\n", Received.Select(r => $"{r.AnsweredWith} {r.Activity}")));
    }

    /// <summary>
    /// True when a received request carries a valid HTTP signature by the actor named in its keyId, checked against the
    /// key that actor publishes (fetched from its server), as a receiving Mastodon would. Returns the keyId's actor too.
    /// </summary>
    public async Task<(bool Valid, string? Signer)> VerifyAsync(ReceivedRequest received)
    {
        var request = new SignedRequest("POST", new Uri(Origin + received.Path), received.Headers, received.Body);
        var inspection = HttpSignatureVerifier.Inspect(request, DateTimeOffset.UtcNow);
        if (inspection.Check is not { } check) return (false, null);
        var signer = check.KeyId.Split('#')[0];
        using var client = new HttpClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, signer);
        get.Headers.Accept.ParseAdd("application/activity+json");
        using var response = await client.SendAsync(get);
        if (!response.IsSuccessStatusCode) return (false, signer);
        var actor = FediLearn.ActivityPub.Json.ActivityJson.Parse(await response.Content.ReadAsStringAsync());
        if (actor["publicKey"]?["id"]?.ToString() != check.KeyId) return (false, signer);
        using var key = VerificationKey.FromPem(actor["publicKey"]!["publicKeyPem"]!.ToString());
        return (check.Verify(key), signer);
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var status = InboxStatus(Interlocked.Increment(ref _inboxCalls));
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _received.Enqueue(new ReceivedRequest(context.Request.Path, FediLearn.ActivityPub.Json.ActivityJson.Parse(body), headers, body, status, DateTimeOffset.UtcNow));
        var open = Interlocked.Increment(ref _open);
        int seen;
        while (open > (seen = Volatile.Read(ref _maxOpen)) && Interlocked.CompareExchange(ref _maxOpen, open, seen) != seen) { }
        try
        {
            if (InboxDelay > TimeSpan.Zero)
                await Task.Delay(InboxDelay, Volatile.Read(ref _delays).Token).ContinueWith(_ => { }, TaskScheduler.Default); // answered early when cancelled
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
