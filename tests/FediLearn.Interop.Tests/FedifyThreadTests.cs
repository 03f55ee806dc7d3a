using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using FediLearn.Testing;

namespace FediLearn.Interop.Tests;

/// <summary>
/// A cross-server discussion in a FediLearn group (federation.md 14-16, FEP-1b12) between two independent learners
/// (Fedify peers "ada" and "bob") over real HTTP on 127.0.0.1. ada replies to a prompt; the group stores the reply and
/// relays it to its followers; bob's peer fetches the reply from ada's server by id (never trusting a relayed copy)
/// into its thread view (<see cref="PeerState.Timeline"/>); a facilitator's removal or ada's own deletion takes it out
/// of the thread on FediLearn and on bob's side. The peer accepts the group's relay both as
/// <c>Announce{object: "&lt;note id&gt;"}</c> and as FEP-1b12 <c>Announce{object: &lt;the Create&gt;}</c>.
/// </summary>
public sealed class FedifyThreadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // generous: CLI setup and delivery run beside other test processes

    [Fact]
    public async Task A_Fedify_reply_is_stored_relayed_to_another_Fedify_learner_and_marked_removed_when_a_facilitator_removes_it()
    {
        await using var t = await ThreadGroup.StartAsync();
        var (prompt, promptLocalId) = await t.PublishPromptAsync("What did you **learn** this week?");
        await t.WaitForEntryAsync(t.Bob, e => Id(e) == prompt);

        var (noteId, createId) = await t.Ada.ReplyAsync(prompt, "<p>I learned about <em>borrowing</em>.</p>", t.GroupId);
        Assert.StartsWith($"{t.Ada.ActorId}/notes/", noteId);
        Assert.StartsWith($"{t.Ada.ActorId}/creates/", createId);

        // What ada sent: a Create embedding the Note, delivered signed to the group's inbox and accepted.
        var adaState = await t.Ada.GetStateAsync();
        var post = adaState.Sent.Single(s => PeerState.Str(s["method"]) == "POST" && s["body"] is JsonObject b
            && PeerState.Str(b["type"]) == "Create" && PeerState.Str(b["id"]) == createId);
        Assert.InRange(post["status"]!.GetValue<int>(), 200, 299);
        var sentNote = post["body"]!["object"]!.AsObject();
        Assert.Equal(noteId, PeerState.Str(sentNote["id"]));
        Assert.Equal(prompt, PeerState.Str(sentNote["inReplyTo"]));
        Assert.Contains(t.GroupId, Strings(sentNote["cc"]));
        Assert.Contains($"{t.GroupId}/followers", Strings(sentNote["cc"]));
        // Both the note and the Create are dereferenceable on ada's server.
        Assert.Equal("Note", PeerState.Str((await t.Ada.GetDocumentAsync(noteId))["type"]));
        Assert.Equal("Create", PeerState.Str((await t.Ada.GetDocumentAsync(createId))["type"]));

        // FediLearn stored it in the prompt's thread.
        var response = await t.WaitForResponseAsync(promptLocalId, noteId);
        Assert.Equal(t.Ada.ActorId, PeerState.Str(response["author"]));
        Assert.Contains("<em>borrowing</em>", PeerState.Str(response["contentHtml"]));

        // bob's thread view: the prompt (the group's own Create) and ada's reply, relayed by the group.
        var bobState = await t.WaitForEntryAsync(t.Bob, e => Id(e) == noteId);
        var entry = bobState.TimelineEntry(noteId)!;
        Assert.Equal("Note", PeerState.Str(entry["type"]));
        Assert.Equal(t.Ada.ActorId, PeerState.Str(entry["attributedTo"]));
        Assert.Equal(prompt, PeerState.Str(entry["inReplyTo"]));
        Assert.Contains("<em>borrowing</em>", PeerState.Str(entry["content"]));
        Assert.Equal(t.GroupId, PeerState.Str(entry["announcedBy"]));
        Assert.NotNull(PeerState.Str(entry["announceId"]));
        Assert.False(entry["removed"]!.GetValue<bool>());
        var promptEntry = bobState.TimelineEntry(prompt)!;
        Assert.Null(PeerState.Str(promptEntry["announcedBy"]));
        Assert.Equal(t.GroupId, PeerState.Str(promptEntry["attributedTo"]));
        Assert.Contains("<strong>learn</strong>", PeerState.Str(promptEntry["content"]));
        Assert.False(promptEntry["removed"]!.GetValue<bool>());
        // The content came from ada's server: bob fetched the note by id with a signed GET.
        AssertFetchedSigned(bobState, noteId);
        // The relay that put it there is a verified Announce by the group (either relay format).
        AssertVerifiedAnnounceOf(bobState, t.GroupId, noteId, createId);

        // A facilitator removes the reply: it leaves FediLearn's thread and bob's.
        await t.RemoveAsync(noteId, "Off-topic");
        var removed = await t.WaitForTimelineAsync(t.Bob, tl => tl.Any(e => Id(e) == noteId && e["removed"]!.GetValue<bool>()));
        output.WriteLine($"removed by: {removed.TimelineEntry(noteId)!["removedBy"]?.ToJsonString()}");
        Assert.False(removed.TimelineEntry(prompt)!["removed"]!.GetValue<bool>());
        Assert.DoesNotContain(await t.ResponsesAsync(promptLocalId), r => PeerState.Str(r["id"]) == noteId);
        output.WriteLine(string.Join('\n', removed.Notes));
    }

    [Fact]
    public async Task A_Fedify_learner_deleting_its_reply_takes_it_out_of_the_thread_and_its_URL_answers_410()
    {
        await using var t = await ThreadGroup.StartAsync();
        var (prompt, promptLocalId) = await t.PublishPromptAsync("Share one question you still have.");
        var (noteId, _) = await t.Ada.ReplyAsync(prompt, "<p>Why does the borrow checker reject this?</p>", t.GroupId);
        await t.WaitForResponseAsync(promptLocalId, noteId);
        await t.WaitForEntryAsync(t.Bob, e => Id(e) == noteId);

        await t.Ada.DeleteNoteAsync(noteId);

        var state = await t.WaitForTimelineAsync(t.Bob, tl => tl.Any(e => Id(e) == noteId && e["removed"]!.GetValue<bool>()));
        output.WriteLine($"removed by: {state.TimelineEntry(noteId)!["removedBy"]?.ToJsonString()}");
        await t.WaitForResponsesAsync(promptLocalId, rs => rs.All(r => PeerState.Str(r["id"]) != noteId));

        var adaState = await t.Ada.GetStateAsync();
        var delete = Assert.Single(adaState.SentActivities("Delete"));
        Assert.Equal(noteId, PeerState.Str(delete["object"]?["id"]));
        Assert.Equal("Tombstone", PeerState.Str(delete["object"]?["type"]));

        using var request = new HttpRequestMessage(HttpMethod.Get, noteId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/activity+json"));
        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Gone, $"GET {noteId} -> {(int)response.StatusCode}: {body}");
        var tombstone = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("Tombstone", PeerState.Str(tombstone["type"]));
        Assert.Equal(noteId, PeerState.Str(tombstone["id"]));
    }

    [Fact]
    public async Task A_reply_to_a_reply_reaches_its_parent_author_directly_and_through_the_group()
    {
        await using var t = await ThreadGroup.StartAsync();
        var (prompt, promptLocalId) = await t.PublishPromptAsync("What was hardest this week?");
        var (adaNote, _) = await t.Ada.ReplyAsync(prompt, "<p>Lifetimes.</p>", t.GroupId);
        await t.WaitForEntryAsync(t.Bob, e => Id(e) == adaNote);

        var (bobNote, bobCreate) = await t.Bob.ReplyAsync(adaNote, "<p>Same here, chapter 10 helped.</p>", t.GroupId);

        // bob addressed ada (the parent's author) and delivered to her inbox as well as the group's.
        var bobReply = Assert.Single((await t.Bob.GetStateAsync()).Replies);
        Assert.Equal(t.Ada.ActorId, PeerState.Str(bobReply["parentAuthor"]));
        Assert.Contains(t.Ada.ActorId, Strings(bobReply["cc"]));
        Assert.Contains($"{t.Ada.ActorId}/inbox", Strings(bobReply["inboxes"]));
        // ada received bob's Create directly (verified by Fedify)…
        var (_, direct) = await t.Ada.WaitForObjectAsync("Create", bobNote, Patience, () => $"FediLearn log:\n{t.Server.Output}");
        Assert.Equal(bobCreate, PeerState.Str(direct["activityId"]));
        Assert.Equal(adaNote, PeerState.Str(direct["raw"]?["inReplyTo"]));
        // …and through the group, into her thread view.
        var adaState = await t.WaitForEntryAsync(t.Ada, e => Id(e) == bobNote);
        var entry = adaState.TimelineEntry(bobNote)!;
        Assert.Equal(adaNote, PeerState.Str(entry["inReplyTo"]));
        Assert.Equal(t.Bob.ActorId, PeerState.Str(entry["attributedTo"]));
        Assert.Equal(t.GroupId, PeerState.Str(entry["announcedBy"]));
        AssertFetchedSigned(adaState, bobNote);

        // FediLearn keeps both in the prompt's thread.
        var responses = await t.WaitForResponsesAsync(promptLocalId, rs => rs.Count(r => PeerState.Str(r["id"]) is { } id && (id == adaNote || id == bobNote)) == 2);
        Assert.Equal(adaNote, PeerState.Str(responses.Single(r => PeerState.Str(r["id"]) == bobNote)["inReplyTo"]));
    }

    private static string? Id(JsonObject entry) => PeerState.Str(entry["id"]);

    private static List<string?> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(PeerState.Str).ToList() : [PeerState.Str(node)];

    /// <summary>The peer fetched <paramref name="objectId"/> from its own server with a signed GET that succeeded.</summary>
    private static void AssertFetchedSigned(PeerState state, string objectId)
    {
        var gets = state.Sent.Where(s => PeerState.Str(s["method"]) == "GET" && PeerState.Str(s["url"]) == objectId).ToList();
        Assert.True(gets.Count > 0, $"the peer never fetched {objectId}");
        Assert.Contains(gets, g => g["status"]?.GetValue<int>() == 200
            && g["headers"] is JsonObject h && (h.ContainsKey("signature") || h.ContainsKey("signature-input")));
    }

    /// <summary>A verified Announce by the group relayed the note: by id (boost style) or wrapping its Create (FEP-1b12).</summary>
    private static void AssertVerifiedAnnounceOf(PeerState state, string groupId, string noteId, string createId)
    {
        var received = state.Received;
        var inbox = state.Inbox;
        var index = Enumerable.Range(0, received.Count).LastOrDefault(i =>
        {
            var a = received[i];
            if (PeerState.Str(a["type"]) != "Announce" || PeerState.ActorOf(a) != groupId) return false;
            var o = a["object"];
            var id = PeerState.Str(o) ?? PeerState.Str(o?["id"]);
            return id == noteId || id == createId || PeerState.Str(o?["object"]) == noteId || PeerState.Str(o?["object"]?["id"]) == noteId;
        }, -1);
        Assert.True(index >= 0, $"no Announce by {groupId} of {noteId} in the peer's inbox");
        Assert.True(inbox[index]["verified"]!.GetValue<bool>(), $"Fedify did not verify the Announce: HTTP {inbox[index]["status"]}");
    }

    /// <summary>
    /// A FediLearn node with a group "rust" facilitated by ana (with an API token), followed by two Fedify learners,
    /// ada and bob, both accepted.
    /// </summary>
    private sealed class ThreadGroup : IAsyncDisposable
    {
        private readonly HttpClient _api;

        private ThreadGroup(NodeProcess server, FedifyPeer ada, FedifyPeer bob, string token, string groupId)
        {
            Server = server;
            Ada = ada;
            Bob = bob;
            GroupId = groupId;
            _api = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
            _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        public NodeProcess Server { get; }
        public FedifyPeer Ada { get; }
        public FedifyPeer Bob { get; }
        public string GroupId { get; }

        public static async Task<ThreadGroup> StartAsync()
        {
            var server = await NodeProcess.StartAsync("fedilearn");
            FedifyPeer? ada = null, bob = null;
            try
            {
                ada = await FedifyPeer.StartAsync("ada");
                bob = await FedifyPeer.StartAsync("bob");
                await NodeSetup.CliAsync(server, "a-long-password-1\n", "users", "add", "ana", "--email", "ana@x.org");
                await NodeSetup.CliAsync(server, null, "groups", "add", "rust", "--title", "Rust", "--facilitator", "ana");
                var token = (await NodeSetup.CliAsync(server, null, "tokens", "add", "ana")).Trim();
                var groupId = new Uri(server.BaseUrl, "g/rust").ToString();
                foreach (var peer in new[] { ada, bob })
                {
                    var follow = await peer.FollowAsync($"rust@{server.Authority}");
                    Assert.Equal(groupId, follow.GroupId);
                    await peer.WaitForFollowStateAsync(groupId, "accepted", Patience);
                    await NodeSetup.WaitForFollowerAsync(server, "rust", peer.ActorId, Patience);
                }
                return new ThreadGroup(server, ada, bob, token, groupId);
            }
            catch
            {
                if (bob is not null) await bob.DisposeAsync();
                if (ada is not null) await ada.DisposeAsync();
                await server.DisposeAsync();
                throw;
            }
        }

        /// <summary>POST /api/groups/rust/prompts; returns the prompt's public id and its local id.</summary>
        public async Task<(string Id, long LocalId)> PublishPromptAsync(string content)
        {
            var body = new JsonObject { ["content"] = content };
            using var response = await _api.PostAsync("api/groups/rust/prompts", Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST api/groups/rust/prompts -> {(int)response.StatusCode}: {text}");
            var json = JsonNode.Parse(text)!.AsObject();
            return (json["id"]!.GetValue<string>(), json["localId"]!.GetValue<long>());
        }

        /// <summary>GET /api/groups/rust/prompts/{id}/responses (facilitator only): the replies in the prompt's thread.</summary>
        public async Task<IReadOnlyList<JsonObject>> ResponsesAsync(long promptLocalId)
        {
            using var response = await _api.GetAsync($"api/groups/rust/prompts/{promptLocalId}/responses");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET responses -> {(int)response.StatusCode}: {text}");
            return JsonNode.Parse(text)!["responses"]!.AsArray().Select(n => n!.AsObject()).ToList();
        }

        public async Task<IReadOnlyList<JsonObject>> WaitForResponsesAsync(long promptLocalId, Func<IReadOnlyList<JsonObject>, bool> condition)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                var responses = await ResponsesAsync(promptLocalId);
                if (condition(responses)) return responses;
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"prompt {promptLocalId}'s responses never met the condition: " +
                        $"{string.Join('\n', responses.Select(r => r.ToJsonString()))}\n" +
                        $"ada notes:\n{string.Join('\n', (await Ada.GetStateAsync()).Notes)}\nFediLearn log:\n{Server.Output}");
                await Task.Delay(250);
            }
        }

        public async Task<JsonObject> WaitForResponseAsync(long promptLocalId, string replyId) =>
            (await WaitForResponsesAsync(promptLocalId, rs => rs.Any(r => PeerState.Str(r["id"]) == replyId)))
                .Single(r => PeerState.Str(r["id"]) == replyId);

        /// <summary>POST /api/groups/rust/moderation/remove {"reply": id, "reason": …}.</summary>
        public async Task RemoveAsync(string replyId, string reason)
        {
            var body = new JsonObject { ["reply"] = replyId, ["reason"] = reason };
            using var response = await _api.PostAsync("api/groups/rust/moderation/remove", Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"POST moderation/remove {body.ToJsonString()} -> {(int)response.StatusCode}: {text}");
        }

        public Task<PeerState> WaitForEntryAsync(FedifyPeer peer, Func<JsonObject, bool> entry) =>
            WaitForTimelineAsync(peer, tl => tl.Any(entry));

        public Task<PeerState> WaitForTimelineAsync(FedifyPeer peer, Func<IReadOnlyList<JsonObject>, bool> condition) =>
            peer.WaitForTimelineAsync(condition, Patience, () => $"FediLearn log:\n{Server.Output}");

        private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

        public async ValueTask DisposeAsync()
        {
            _api.Dispose();
            await Bob.DisposeAsync();
            await Ada.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
