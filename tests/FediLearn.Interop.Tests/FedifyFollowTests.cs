using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using FediLearn.Testing;

namespace FediLearn.Interop.Tests;

/// <summary>
/// Following a FediLearn group from an independent implementation (Fedify) over real HTTP on 127.0.0.1
/// (federation.md 1, 8, 9, 20). The peer only counts an Accept/Reject that Fedify verified against the
/// group's published key, so an unsigned or tampered answer fails these tests.
/// </summary>
public sealed class FedifyFollowTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private async Task LogPeerAsync(FedifyPeer peer) =>
        output.WriteLine(string.Join('\n', (await peer.GetStateAsync()).Notes));

    /// <summary>Fedify signs with RFC 9421 first by default; draft-cavage is what most of the fediverse sends.</summary>
    [Theory]
    [InlineData("rfc9421")]
    [InlineData("draft-cavage-http-signatures-12")]
    public async Task Open_group_answers_a_Fedify_follow_with_a_signed_Accept_embedding_the_Follow(string firstKnock)
    {
        await using var server = await NodeProcess.StartAsync("fedilearn");
        await using var peer = await FedifyPeer.StartAsync(firstKnock: firstKnock);
        var groupId = await AddGroupAsync(server, "grp");

        var follow = await peer.FollowAsync($"grp@{server.Authority}");

        Assert.Equal(groupId, follow.GroupId);
        var state = await WaitForPeerAsync(peer, server, groupId, "accepted");
        var accepts = state.ReceivedFrom(groupId, "Accept").ToList();
        var accept = Assert.Single(accepts);
        var embedded = Assert.IsType<JsonObject>(accept["object"]);
        Assert.Equal(follow.FollowId, PeerState.Str(embedded["id"]));
        Assert.Equal("Follow", PeerState.Str(embedded["type"]));
        Assert.Equal(peer.ActorId, PeerState.ActorOf(embedded));
        Assert.Equal(groupId, PeerState.Str(embedded["object"]) ?? PeerState.Str(embedded["object"]?["id"]));
        AssertVerified(state, accept);
        await WaitForFollowerAsync(server, "grp", peer.ActorId, "accepted");
        // Accepted at the first knock: one signed POST of the Follow, answered 2xx (no 401-and-retry).
        var posts = state.Sent.Where(s => PeerState.Str(s["method"]) == "POST" && PeerState.Str(s["url"]) == follow.Inbox).ToList();
        var post = Assert.Single(posts);
        Assert.InRange(post["status"]!.GetValue<int>(), 200, 299);
        Assert.Equal(firstKnock == "rfc9421", post["headers"]!.AsObject().ContainsKey("signature-input"));
        await LogPeerAsync(peer);

        if (Fixtures.Enabled && firstKnock == "rfc9421")
        {
            await Fixtures.SaveAsync("learner-actor.json", await peer.GetTextAsync(peer.ActorId));
            await Fixtures.SaveAsync("learner-webfinger.json", await peer.GetTextAsync(
                $"/.well-known/webfinger?resource=acct:{Uri.EscapeDataString(peer.Handle)}", "application/jrd+json"));
            var sent = state.Sent.Last(s => s["body"] is JsonObject b && PeerState.Str(b["type"]) == "Follow");
            await Fixtures.SaveAsync("follow.json", PeerState.Str(sent["bodyText"])!);
            await Fixtures.SaveRequestAsync("follow.request.http", sent);
        }
    }

    [Fact]
    public async Task Approval_group_keeps_a_Fedify_follow_pending_until_a_facilitator_approves()
    {
        await using var server = await NodeProcess.StartAsync("fedilearn");
        await using var peer = await FedifyPeer.StartAsync();
        var groupId = await AddGroupAsync(server, "grp", "--approval");

        await peer.FollowAsync($"grp@{server.Authority}");

        await WaitForFollowerAsync(server, "grp", peer.ActorId, "pending");
        await Task.Delay(TimeSpan.FromSeconds(2)); // a wrongly sent Accept would have arrived by now
        var pending = await peer.GetStateAsync();
        Assert.Equal("pending", pending.FollowState(groupId));
        Assert.Empty(pending.ReceivedFrom(groupId, "Accept"));

        var approve = await server.CliAsync("followers", "approve", "grp", peer.ActorId);
        Assert.True(approve.ExitCode == 0, $"followers approve failed: {approve.StdOut}{approve.StdErr}");

        var state = await WaitForPeerAsync(peer, server, groupId, "accepted");
        AssertVerified(state, state.ReceivedFrom(groupId, "Accept").Single());
        await WaitForFollowerAsync(server, "grp", peer.ActorId, "accepted");
    }

    [Fact]
    public async Task A_tampered_copy_of_the_groups_signed_Accept_is_refused_by_Fedify()
    {
        await using var server = await NodeProcess.StartAsync("fedilearn");
        await using var peer = await FedifyPeer.StartAsync();
        var groupId = await AddGroupAsync(server, "grp");
        await peer.FollowAsync($"grp@{server.Authority}");
        var state = await WaitForPeerAsync(peer, server, groupId, "accepted");

        // Same signature headers, body turned into a Reject (digest recomputed): only the signature can catch it.
        var status = await TamperedReplay.SendAsync(peer, state, groupId, "Accept", body =>
        {
            body["type"] = "Reject";
            body["id"] = PeerState.Str(body["id"]) + "-tampered";
        });

        Assert.Equal(401, status);
        Assert.Equal("accepted", (await peer.GetStateAsync()).FollowState(groupId));
    }

    [Fact]
    public async Task Removing_a_Fedify_follower_sends_it_a_signed_Reject_of_its_Follow()
    {
        await using var server = await NodeProcess.StartAsync("fedilearn");
        await using var peer = await FedifyPeer.StartAsync();
        var groupId = await AddGroupAsync(server, "grp");
        var follow = await peer.FollowAsync($"grp@{server.Authority}");
        await WaitForPeerAsync(peer, server, groupId, "accepted");
        await WaitForFollowerAsync(server, "grp", peer.ActorId, "accepted");

        var remove = await server.CliAsync("followers", "remove", "grp", peer.ActorId);
        Assert.True(remove.ExitCode == 0, $"followers remove failed: {remove.StdOut}{remove.StdErr}");

        var state = await WaitForPeerAsync(peer, server, groupId, "rejected");
        var reject = Assert.Single(state.ReceivedFrom(groupId, "Reject"));
        var objectId = PeerState.Str(reject["object"]) ?? PeerState.Str(reject["object"]?["id"]);
        Assert.Equal(follow.FollowId, objectId);
        AssertVerified(state, reject);
        await WaitForFollowerAsync(server, "grp", peer.ActorId, null);
        await LogPeerAsync(peer);
    }

    [Fact]
    public async Task Undo_of_a_Fedify_follow_removes_the_follower()
    {
        await using var server = await NodeProcess.StartAsync("fedilearn");
        await using var peer = await FedifyPeer.StartAsync();
        var groupId = await AddGroupAsync(server, "grp");
        await peer.FollowAsync($"grp@{server.Authority}");
        await WaitForPeerAsync(peer, server, groupId, "accepted");
        await WaitForFollowerAsync(server, "grp", peer.ActorId, "accepted");

        await peer.UnfollowAsync(groupId);

        await WaitForFollowerAsync(server, "grp", peer.ActorId, null);
        if (Fixtures.Enabled)
        {
            var state = await peer.GetStateAsync();
            var sent = state.Sent.Last(s => s["body"] is JsonObject b && PeerState.Str(b["type"]) == "Undo");
            await Fixtures.SaveAsync("undo-follow.json", PeerState.Str(sent["bodyText"])!);
            await Fixtures.SaveRequestAsync("undo-follow.request.http", sent);
        }
    }

    private static async Task<string> AddGroupAsync(NodeProcess server, string name, params string[] extra)
    {
        var result = await server.CliAsync(["groups", "add", name, "--title", "Interop study group", .. extra]);
        Assert.True(result.ExitCode == 0, $"groups add failed ({result.ExitCode}): {result.StdOut}{result.StdErr}");
        return new Uri(server.BaseUrl, $"g/{name}").ToString();
    }

    private static async Task<PeerState> WaitForPeerAsync(FedifyPeer peer, NodeProcess server, string groupId, string expected)
    {
        try
        {
            return await peer.WaitForFollowStateAsync(groupId, expected, Patience);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nFediLearn log:\n{server.Output}", e);
        }
    }

    /// <summary>Polls <c>followers list</c> until the actor has <paramref name="expected"/> state (null: absent).</summary>
    private static async Task WaitForFollowerAsync(NodeProcess server, string group, string actorId, string? expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var list = await server.CliAsync("followers", "list", group);
            last = $"exit {list.ExitCode}\n{list.StdOut}{list.StdErr}";
            if (list.ExitCode == 0)
            {
                var found = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Where(parts => parts.Length >= 1 && parts[0] == actorId)
                    .Select(parts => parts.Length >= 2 ? parts[1] : "")
                    .FirstOrDefault();
                if (found == expected) return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"followers list {group}: expected {actorId} to be {expected ?? "absent"}; last answer: {last}\nFediLearn log:\n{server.Output}");
    }

    private static void AssertVerified(PeerState state, JsonObject activity)
    {
        var id = PeerState.Str(activity["id"]);
        var entry = state.Inbox.Last(e => PeerState.Str(e["id"]) == id);
        Assert.True(entry["verified"]!.GetValue<bool>(),
            $"Fedify did not verify {id} (HTTP {entry["status"]}):\n{string.Join('\n', state.Notes)}");
    }
}

/// <summary>
/// The harness itself, without FediLearn: two Fedify peers follow each other over http on 127.0.0.1.
/// Proves WebFinger over http, signed actor fetch, signed Follow and Fedify's verification of a signed
/// Accept, and that the peer refuses unsigned and tampered answers (so a FediLearn failure is FediLearn's).
/// </summary>
public sealed class FedifyPeerSelfTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_Fedify_peers_follow_and_accept_with_verified_signatures()
    {
        await using var teacher = await FedifyPeer.StartAsync("teacher", acceptFollows: true);
        await using var learner = await FedifyPeer.StartAsync();

        var follow = await learner.FollowAsync(teacher.Handle);
        var state = await learner.WaitForFollowStateAsync(teacher.ActorId, "accepted");

        Assert.Equal(teacher.ActorId, follow.GroupId);
        var accept = Assert.Single(state.ReceivedFrom(teacher.ActorId, "Accept"));
        Assert.Equal(follow.FollowId, PeerState.Str(accept["object"]?["id"]));
        Assert.Contains(learner.ActorId, (await teacher.GetStateAsync()).Followers);

        await learner.UnfollowAsync(teacher.ActorId);
        Assert.DoesNotContain(learner.ActorId, (await teacher.GetStateAsync()).Followers);

        if (Fixtures.Enabled)
        {
            var index = state.Received.ToList().IndexOf(accept);
            await Fixtures.SaveAsync("accept-follow.json", PeerState.Str(state.Inbox[index]["bodyText"])!);
        }
    }

    [Fact]
    public async Task Unsigned_and_tampered_answers_are_refused()
    {
        await using var teacher = await FedifyPeer.StartAsync("teacher", acceptFollows: true);
        await using var silent = await FedifyPeer.StartAsync("silent");
        await using var learner = await FedifyPeer.StartAsync();
        var accepted = await learner.FollowAsync(teacher.Handle);
        var state = await learner.WaitForFollowStateAsync(teacher.ActorId, "accepted");
        var pending = await learner.FollowAsync(silent.Handle);

        // Unsigned Accept of the pending follow, in the silent peer's name.
        var forged = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{silent.ActorId}#forged-accept",
            ["type"] = "Accept",
            ["actor"] = silent.ActorId,
            ["object"] = new JsonObject { ["id"] = pending.FollowId, ["type"] = "Follow", ["actor"] = learner.ActorId, ["object"] = silent.ActorId },
        };
        var unsigned = await learner.PostRawToInboxAsync($"/users/{learner.Name}/inbox", forged.ToJsonString(),
            [new("Content-Type", "application/activity+json")]);
        Assert.Equal(401, unsigned);

        // The teacher's genuine signed Accept, body altered to a Reject with a recomputed digest.
        var tampered = await TamperedReplay.SendAsync(learner, state, teacher.ActorId, "Accept", body =>
        {
            body["type"] = "Reject";
            body["id"] = PeerState.Str(body["id"]) + "-tampered";
        });
        Assert.Equal(401, tampered);

        var after = await learner.GetStateAsync();
        output.WriteLine(string.Join('\n', after.Notes));
        Assert.Equal("pending", after.FollowState(silent.ActorId));
        Assert.Equal("accepted", after.FollowState(teacher.ActorId));
        Assert.Equal(accepted.FollowId, after.Json["follows"]![teacher.ActorId]!["followId"]!.GetValue<string>());
    }
}

/// <summary>Replays a signed activity the peer received, with its original headers and a modified body.</summary>
internal static class TamperedReplay
{
    private static readonly HashSet<string> Dropped =
        new(StringComparer.OrdinalIgnoreCase) { "host", "content-length", "connection", "transfer-encoding", "accept-encoding" };

    public static async Task<int> SendAsync(FedifyPeer peer, PeerState state, string actorId, string type, Action<JsonObject> tamper)
    {
        var index = state.Received.ToList().FindLastIndex(a => PeerState.Str(a["type"]) == type && PeerState.ActorOf(a) == actorId);
        Assert.True(index >= 0, $"no {type} from {actorId} to replay");
        var body = state.Received[index].DeepClone().AsObject();
        tamper(body);
        var bytes = JsonSerializer.Serialize(body);
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(bytes)));
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in state.Inbox[index]["headers"]!.AsObject())
        {
            if (Dropped.Contains(name)) continue;
            var v = value!.GetValue<string>();
            if (name.Equals("digest", StringComparison.OrdinalIgnoreCase)) v = $"SHA-256={hash}";
            if (name.Equals("content-digest", StringComparison.OrdinalIgnoreCase)) v = $"sha-256=:{hash}:";
            headers.Add(new(name, v));
        }
        // Same path as the original: the signature covers the request target.
        var path = PeerState.Str(state.Inbox[index]["path"])!;
        return await peer.PostRawToInboxAsync(path, bytes, headers);
    }
}

/// <summary>Writes captured documents to federation-fixtures/fedify when FEDILEARN_CAPTURE_FIXTURES=1.</summary>
internal static class Fixtures
{
    public static bool Enabled => Environment.GetEnvironmentVariable("FEDILEARN_CAPTURE_FIXTURES") == "1";

    public static string Directory => Path.Combine(FedifyPeer.RepositoryRoot, "federation-fixtures", "fedify");

    /// <summary>Saves the bytes exactly as they were on the wire.</summary>
    public static async Task SaveAsync(string name, string wireText)
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(Path.Combine(Directory, name), wireText);
    }

    /// <summary>
    /// Saves a request the peer sent as raw HTTP text (request line, headers as Fedify set them, body), not as
    /// *.json: the fixture reader tests parse every *.json here as an activity.
    /// </summary>
    public static async Task SaveRequestAsync(string name, JsonObject sent)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var url = new Uri(sent["url"]!.GetValue<string>());
        var text = new StringBuilder($"{sent["method"]} {url.PathAndQuery} HTTP/1.1\n");
        foreach (var (key, value) in sent["headers"]!.AsObject())
            text.Append($"{key}: {value}\n");
        text.Append('\n').Append(PeerState.Str(sent["bodyText"]) ?? "").Append('\n');
        text.Append($"# answered HTTP {sent["status"]}\n");
        await File.WriteAllTextAsync(Path.Combine(Directory, name), text.ToString());
    }
}
