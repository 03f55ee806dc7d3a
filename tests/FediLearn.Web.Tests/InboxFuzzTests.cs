using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FediLearn.ActivityPub.Json;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using Xunit.Abstractions;
using static FediLearn.Web.Tests.FaultHelpers;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6 item 6, the inbox half: about 1 600 malformed, mutated and hostile deliveries to a real node, seeded from
/// federation-fixtures/ and from Mastodon-shaped activities, most of them validly signed by a remote actor whose key
/// a FakeRemoteServer serves, so that they pass the inbox and reach the handlers behind the queue. The seed is fixed;
/// every failure names it and the case.
/// </summary>
public sealed class InboxFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 6_2026;
    private static readonly string[] ContextHosts = ["www.w3.org", "w3id.org", "joinmastodon.org", "ostatus.org", "litepub.social", "schema.org", "purl.org", "join-lemmy.org", "joinpeertube.org", "joinmobilizon.org", "misskey-hub.net"];

    private sealed record Case(int N, string Description, string Path, byte[] Body, string? ContentType, bool Sign, string? KeyActor, Action<HttpRequestMessage>? Tamper);

    [Fact]
    public async Task Every_mutated_delivery_is_a_4xx_or_202_and_leaves_no_exception_and_no_half_stored_row()
    {
        await using var a = await PublishingNode.StartAsync("fuzz", new Dictionary<string, string>
        {
            ["FediLearn__RateLimits__InboxPerHostPerMinute"] = "0",
            ["FediLearn__RateLimits__FetchPerHostPerMinute"] = "0",
            ["FediLearn__Federation__RequestTimeout"] = "00:00:02",
            ["FediLearn__Federation__ConnectTimeout"] = "00:00:01",
        });
        await using var remote = await FakeRemoteServer.StartAsync();
        using (var follow = await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))) Assert.Equal(202, (int)follow.StatusCode);
        var prompt = (await a.PublishAsync("prompts", new { content = "What did you learn?" })).Value<string>("id")!;
        var post = (await a.PublishAsync("posts", new { content = "Welcome" })).Value<string>("id")!;
        var session = (await a.PublishAsync("sessions", new { title = "Kick-off", content = "x", startsAt = "2027-03-25T19:00", endsAt = "2027-03-25T20:00", timezone = "Europe/Amsterdam", place = "Library" })).Value<string>("id")!;
        var note = $"{remote.ActorId}/statuses/1";
        remote.Serve(new JObject { ["id"] = note, ["type"] = "Note", ["attributedTo"] = remote.ActorId, ["inReplyTo"] = prompt, ["content"] = "<p>served</p>", ["to"] = new JArray(a.Group) });
        var urls = new[] { remote.ActorId, remote.Actor("other"), note, $"{remote.ActorId}/statuses/2", a.Group, prompt, post, session, a.Node.Origin, $"{a.Node.Origin}/u/ana", remote.SharedInbox, $"{remote.Origin}/nowhere" };

        var seeds = Seeds(remote, a.Group, prompt, note, session);
        var cases = Cases(seeds, urls, remote, a.Group);
        output.WriteLine($"seed {Seed}: {cases.Count} cases from {seeds.Count} seeds");

        var violations = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(6);
        await Task.WhenAll(cases.Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await SendAsync(a.Node, remote, c);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var text = await response.Content.ReadAsStringAsync();
                if (status != 202 && status is < 400 or > 499)
                    violations.Enqueue($"case {c.N} ({c.Description}) -> {status} {Trim(text)}");
                else if (status != 202 && !text.Contains("\"error\"", StringComparison.Ordinal))
                    violations.Enqueue($"case {c.N} ({c.Description}) -> {status} without a JSON error: {Trim(text)}");
            }
            catch (Exception e)
            {
                violations.Enqueue($"case {c.N} ({c.Description}) -> no answer: {e.GetType().Name} {e.Message}");
            }
            finally { gate.Release(); }
        }));
        var sent = clock.Elapsed;
        output.WriteLine($"sent in {sent.TotalSeconds:0.0} s: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}"))}");
        Assert.True(violations.IsEmpty, $"seed {Seed}: {violations.Count} bad answers:\n{string.Join("\n", violations.Take(20))}\n{Tail(a.Node)}");
        Assert.True(statuses.GetValueOrDefault(202) > cases.Count / 5, $"seed {Seed}: only {statuses.GetValueOrDefault(202)} cases reached the queue");

        // Everything queued is worked off: Done, or Failed after its retries; nothing left Running or half-way.
        await UntilAsync(() => (long)Query(a.Node, "SELECT COUNT(*) FROM inbox_items WHERE state IN (0, 1)").Single()[0]! == 0, TimeSpan.FromSeconds(90),
            () => "the inbox queue to drain: " + string.Join("; ", Query(a.Node, "SELECT state, attempts, last_error FROM inbox_items WHERE state IN (0, 1) LIMIT 5").Select(r => string.Join(" ", r))));
        var items = Query(a.Node, "SELECT state, COUNT(*) FROM inbox_items GROUP BY state").ToDictionary(r => (long)r[0]!, r => (long)r[1]!);
        var failed = Query(a.Node, "SELECT activity_id, last_error, json FROM inbox_items WHERE state = 3 OR last_error IS NOT NULL");
        output.WriteLine($"inbox items: {items.GetValueOrDefault(2)} done, {items.GetValueOrDefault(3)} failed; worked off {clock.Elapsed.TotalSeconds:0.0} s after the start");
        Assert.True(failed.Count == 0, $"seed {Seed}: {failed.Count} inbox items failed or were retried:\n{string.Join("\n", failed.Take(10).Select(r => $"{r[0]}: {r[1]}\n   {Trim((string)r[2]!)}"))}");

        output.WriteLine("rows: " + string.Join(", ", new[] { "replies", "remote_objects", "likes", "followers", "reports", "votes", "rsvps" }
            .Select(t => $"{Query(a.Node, $"SELECT COUNT(*) FROM {t}").Single()[0]} {t}")));
        AssertNoHalfStoredRows(a.Node);
        // The exception lines (what went wrong) first, then the log's fail lines and stack frames.
        var exceptions = Regex.Matches(a.Node.Output, @"^\s*([\w.]+Exception)\b.*$", RegexOptions.Multiline).Select(m => m.Value).Distinct().Concat(BadLogLines(a.Node)).ToList();
        Assert.True(exceptions.Count == 0, $"seed {Seed}: the log shows errors or exceptions:\n{string.Join("\n", exceptions.Take(20))}");
        using var still = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, a.Group) { Headers = { { "Accept", "application/activity+json" } } });
        Assert.Equal(200, (int)still.StatusCode);
    }

    /// <summary>
    /// Rows the handlers wrote must be whole: who and what filled in, every reference resolvable. Activity ids are not
    /// required: Like, Flag and Follow store "" for an activity that has none (it then cannot be deduplicated by id).
    /// </summary>
    private static void AssertNoHalfStoredRows(NodeProcess node)
    {
        var checks = new Dictionary<string, string>
        {
            ["replies"] = "uri = '' OR author_uri = '' OR author_host = '' OR json = '' OR published_at = '' OR group_id NOT IN (SELECT id FROM local_actors)",
            ["remote_objects"] = "uri = '' OR type = '' OR attributed_to = '' OR json = ''",
            ["likes"] = "object_uri = '' OR actor_uri = ''",
            ["followers"] = "actor_uri = '' OR follow_json = '' OR remote_actor_id NOT IN (SELECT id FROM remote_actors)",
            ["reports"] = "reporter_uri = '' OR objects_json = ''",
            ["votes"] = "voter_uri = '' OR choice = '' OR object_uri = ''",
            ["remote_actors"] = "uri = '' OR inbox = '' OR host = ''",
            ["rsvps"] = "actor_uri = ''",
        };
        foreach (var (table, broken) in checks)
        {
            var rows = Query(node, $"SELECT * FROM {table} WHERE {broken}");
            Assert.True(rows.Count == 0, $"seed {Seed}: {rows.Count} half-stored rows in {table}: {string.Join(" | ", rows.FirstOrDefault()?.Select(v => Trim(v?.ToString() ?? "NULL")) ?? [])}");
        }
    }

    /// <summary>The activities in federation-fixtures/ (rebased onto the fake remote and our group) and Mastodon-shaped ones.</summary>
    private static List<(string Name, string Json)> Seeds(FakeRemoteServer remote, string group, string prompt, string note, string session)
    {
        var seeds = new List<(string, string)>();
        var root = Path.Combine(FindRepositoryRoot(), "federation-fixtures");
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var json = JObject.Parse(File.ReadAllText(file));
            if (ActivityJson.GetId(json["actor"]) is not { } actor) continue; // actors and WebFinger documents are not deliveries
            var followed = ActivityJson.GetId(json["object"] is JObject inner ? inner["object"] : json["object"]);
            foreach (var value in json.Descendants().OfType<JValue>().Where(v => v.Type == JTokenType.String).ToList())
            {
                var s = (string)value.Value!;
                if (s == actor) value.Value = remote.ActorId;
                else if (s == followed) value.Value = group;
                else if (Uri.TryCreate(s, UriKind.Absolute, out var u) && u.Scheme.StartsWith("http") && !ContextHosts.Contains(u.Host))
                    value.Value = remote.Origin + u.PathAndQuery + u.Fragment;
            }
            seeds.Add((Path.GetRelativePath(root, file), json.ToString(Newtonsoft.Json.Formatting.None)));
        }
        var reply = remote.MastodonReply("learner", $"{remote.ActorId}/statuses/10", prompt, group, "@rust", "<p>My answer</p>");
        JObject Activity(string type, JToken obj) => new()
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.ActorId}#{type}-{Guid.NewGuid():N}",
            ["type"] = type, ["actor"] = remote.ActorId, ["to"] = new JArray(group), ["object"] = obj,
        };
        var update = (JObject)reply.DeepClone();
        update["type"] = "Update";
        update["id"] = $"{remote.ActorId}/statuses/10#update";
        var vote = remote.MastodonReply("learner", $"{remote.ActorId}/statuses/11", prompt, group, "@rust", "");
        ((JObject)vote["object"]!)["name"] = "Yes";
        seeds.AddRange(new (string, JObject)[]
        {
            ("mastodon-shaped reply", reply),
            ("mastodon-shaped update", update),
            ("mastodon-shaped vote", vote),
            ("like", Activity("Like", prompt)),
            ("announce", Activity("Announce", note)),
            ("delete", Activity("Delete", new JObject { ["id"] = $"{remote.ActorId}/statuses/10", ["type"] = "Tombstone" })),
            ("flag", Activity("Flag", new JArray(remote.Actor("other"), prompt)).Also(f => f["content"] = "spam")),
            ("undo like", Activity("Undo", Activity("Like", prompt))),
            ("join", Activity("Join", session)),
            ("leave", Activity("Leave", session)),
            ("tentative accept", Activity("TentativeAccept", session)),
        }.Select(s => (s.Item1, s.Item2.ToString(Newtonsoft.Json.Formatting.None))));
        return seeds;
    }

    private static List<Case> Cases(List<(string Name, string Json)> seeds, string[] urls, FakeRemoteServer remote, string group)
    {
        var random = new Random(Seed);
        var mutator = new JsonMutator(Seed, urls);
        var inboxes = new[] { $"{new Uri(group).AbsolutePath}/inbox", "/inbox", "/u/ana/inbox", "/actor/inbox" };
        var cases = new List<Case>();
        void Add(string what, byte[] body, string? type = "application/activity+json", bool sign = true, Action<HttpRequestMessage>? tamper = null, string? keyActor = null) =>
            cases.Add(new Case(cases.Count, what, inboxes[random.Next(random.Next(3) == 0 ? inboxes.Length : 1)], body, type, sign, keyActor, tamper));
        (string Name, string Json) AnySeed() => seeds[random.Next(seeds.Count)];

        // Validly signed tree mutants: these pass the signature check when the actor survives, and reach the handlers.
        for (var i = 0; i < 900; i++)
        {
            var (name, json) = AnySeed();
            // Fresh ids, or the receiver would rightly store most of them once (idempotent by id) and the handlers see few.
            var fresh = JObject.Parse(json);
            fresh["id"] = $"{remote.ActorId}#fuzz-{i}";
            if (fresh["object"] is JObject { } inner && inner["id"] is not null && fresh.Value<string>("type") is "Create" or "Update")
                inner["id"] = $"{remote.ActorId}/statuses/fuzz-{i}";
            var m = mutator.Next(name, fresh.ToString(Newtonsoft.Json.Formatting.None), allowByteLevel: false);
            Add("signed " + m.Description, m.Body);
        }
        // Byte-level damage, signed (the signature is over the damaged bytes) or not.
        for (var i = 0; i < 300; i++)
        {
            var (name, json) = AnySeed();
            var m = mutator.ByteMutation(name, Encoding.UTF8.GetBytes(json));
            var sign = random.Next(2) == 0;
            Add((sign ? "signed " : "unsigned ") + m.Description, m.Body, sign: sign);
        }
        // Around and over the 1 MiB body limit.
        foreach (var size in new[] { 900_000, 1_048_000, 1_048_577, 2_000_000 })
        {
            var (name, json) = AnySeed();
            var big = JObject.Parse(json);
            big["content"] = new string('x', size);
            Add($"{name} with a {size}-character content", Encoding.UTF8.GetBytes(big.ToString(Newtonsoft.Json.Formatting.None)));
        }
        // Wrong or missing content types, signed as sent.
        string?[] types = ["text/html", "application/json", "text/plain", "multipart/form-data; boundary=x", null, "application/activity+json; charset=iso-8859-1", "application/ld+json", "application/x-www-form-urlencoded", "image/png", ";;;"];
        for (var i = 0; i < 100; i++)
        {
            var (name, json) = AnySeed();
            var type = types[random.Next(types.Length)];
            Add($"{name} as {type ?? "no content type"}", Encoding.UTF8.GetBytes(json), type);
        }
        // Bad and missing signatures on intact activities.
        var tampers = new (string What, Action<HttpRequestMessage> Tamper)[]
        {
            ("no Signature header", r => r.Headers.Remove("Signature")),
            ("flipped signature", r => Replace(r, "Signature", s => Regex.Replace(s, "signature=\"(.)", m => $"signature=\"{(m.Groups[1].Value == "A" ? "B" : "A")}"))),
            ("keyId of another actor", r => Replace(r, "Signature", s => s.Replace("/users/learner#", "/users/other#"))),
            ("keyId not a URL", r => Replace(r, "Signature", s => Regex.Replace(s, "keyId=\"[^\"]*\"", "keyId=\"learner\""))),
            ("keyId on the node", r => Replace(r, "Signature", s => Regex.Replace(s, "keyId=\"[^\"]*\"", $"keyId=\"{group}#main-key\""))),
            ("keyId that 404s", r => Replace(r, "Signature", s => s.Replace("/users/learner#main-key", "/nowhere#main-key"))),
            ("hmac algorithm", r => Replace(r, "Signature", s => s.Replace("rsa-sha256", "hmac-sha256"))),
            ("Date in 1999", r => Replace(r, "Date", _ => "Fri, 01 Jan 1999 00:00:00 GMT")),
            ("garbage Date", r => Replace(r, "Date", _ => "yesterday-ish")),
            ("Digest of another body", r => Replace(r, "Digest", _ => "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
            ("MD5 digest", r => Replace(r, "Digest", _ => "MD5=AAAAAAAAAAAAAAAAAAAAAA==")),
            ("headers list without digest", r => Replace(r, "Signature", s => s.Replace(" digest", ""))),
            ("huge Signature header", r => Replace(r, "Signature", s => s + ",x=\"" + new string('a', 30_000) + "\"")),
            ("empty Signature header", r => Replace(r, "Signature", _ => "")),
            ("Signature-Input without RFC 9421 signature", r => r.Headers.TryAddWithoutValidation("Signature-Input", "sig1=(\"@method\");created=1")),
        };
        for (var i = 0; i < 240; i++)
        {
            var (name, json) = AnySeed();
            var (what, tamper) = tampers[random.Next(tampers.Length)];
            Add($"{name} with {what}", Encoding.UTF8.GetBytes(json), tamper: tamper);
        }
        // Signed by a second actor on the same server (same key) for activities whose actor is the learner.
        for (var i = 0; i < 40; i++)
        {
            var (name, json) = AnySeed();
            Add($"{name} signed by another actor", Encoding.UTF8.GetBytes(json), keyActor: remote.Actor("other"));
        }
        return cases;
    }

    private static async Task<HttpResponseMessage> SendAsync(NodeProcess node, FakeRemoteServer remote, Case c)
    {
        string? keyActor = null;
        if (c.Sign)
        {
            keyActor = c.KeyActor ?? remote.ActorId;
            // Sign as the activity's actor when it is on the fake server, as that server would; else as the learner.
            if (c.KeyActor is null && TryActor(c.Body) is { } actor && actor.StartsWith(remote.Origin + "/users/", StringComparison.Ordinal) && !actor.Contains('#')) keyActor = actor;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, node.Origin + c.Path) { Content = new ByteArrayContent(c.Body) };
        if (c.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        if (keyActor is not null)
        {
            using var key = FediLearn.ActivityPub.Keys.SigningKey.FromPem(keyActor + "#main-key", remote.PrivatePem);
            FediLearn.ActivityPub.Signatures.HttpSignatureSigner.SignDraftCavage(request, c.Body, key, DateTimeOffset.UtcNow);
        }
        c.Tamper?.Invoke(request);
        return await Http.SendAsync(request);
    }

    private static string? TryActor(byte[] body)
    {
        try { return ActivityJson.GetId(ActivityJson.Parse(body)["actor"]); }
        catch (ActivityJsonException) { return null; }
    }

    private static void Replace(HttpRequestMessage request, string header, Func<string, string> change)
    {
        var old = request.Headers.TryGetValues(header, out var values) ? string.Join(", ", values) : "";
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, change(old));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FediLearn.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("FediLearn.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "…" : s;

    private static string Tail(NodeProcess node) => node.Output.Length > 4000 ? node.Output[^4000..] : node.Output;
}

internal static class JObjectExtensions
{
    public static JObject Also(this JObject o, Action<JObject> change)
    {
        change(o);
        return o;
    }
}
