using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using FediLearn.Testing;

namespace FediLearn.Interop.Tests;

/// <summary>
/// A FediLearn group publishes (issue 3; federation.md 10-13) and an independent implementation (Fedify) follows it over
/// real HTTP on 127.0.0.1: each prompt, check-in, post, material and session arrives as a signed <c>Create</c> that
/// Fedify's inbox listener verifies and that Fedify's vocabulary parses as what it is; an edit arrives as
/// <c>Update</c>, a deletion as <c>Delete</c>, and the deleted URL answers 410 with a Tombstone.
/// The peer records Fedify's parsed view (<see cref="PeerState.Objects"/>) only from a verified inbox listener.
/// </summary>
public sealed class FedifyPublishingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // generous: CLI setup and delivery run beside other test processes
    private const string JoinUrl = "https://meet.example/x";

    [Fact]
    public async Task Each_kind_arrives_as_a_verified_Create_that_Fedify_parses_as_what_it_is()
    {
        await using var g = await PublishingGroup.StartAsync();
        var closesAt = DateTimeOffset.UtcNow.AddDays(7);
        closesAt = new DateTimeOffset(closesAt.Ticks - closesAt.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

        var prompt = await g.PublishAsync("prompts", new JsonObject { ["content"] = "What did you **learn** this week?" });
        var checkIn = await g.PublishAsync("prompts", new JsonObject
        {
            ["content"] = "How far are you with chapter 4?",
            ["choices"] = new JsonArray("Not started", "Halfway", "Done"),
            ["multiple"] = false,
            ["closesAt"] = closesAt.ToString("yyyy-MM-ddTHH:mm:ssK"),
        });
        var post = await g.PublishAsync("posts", new JsonObject { ["content"] = "Welcome to the *Rust* study group!" });
        var material = await g.PublishAsync("materials", new JsonObject
        {
            ["title"] = "The Rust Book, chapter 4",
            ["content"] = "Ownership, borrowing and slices.",
            ["links"] = new JsonArray(new JsonObject { ["url"] = "https://doc.rust-lang.org/book/ch04-00-understanding-ownership.html", ["title"] = "Chapter 4" }),
            ["pinned"] = true,
        });
        var session = await g.PublishAsync("sessions", SessionBody("Ownership live session"));

        // Prompt (free text): a Note with the Markdown rendered to HTML.
        var promptObject = await g.WaitForObjectAsync("Create", prompt);
        AssertParsedAs(promptObject, "Note");
        Assert.Contains("<strong>learn</strong>", Str(promptObject["content"]));

        // Check-in: a Question with oneOf (single choice) and endTime.
        var question = await g.WaitForObjectAsync("Create", checkIn);
        AssertParsedAs(question, "Question");
        Assert.Equal(["Not started", "Halfway", "Done"], Strings(question["choices"]));
        Assert.False(question["multiple"]!.GetValue<bool>());
        Assert.Equal(closesAt, DateTimeOffset.Parse(Str(question["endTime"])!));
        Assert.Contains("chapter 4", Str(question["content"]));

        // Post: a Note.
        var postObject = await g.WaitForObjectAsync("Create", post);
        AssertParsedAs(postObject, "Note");
        Assert.Contains("<em>Rust</em>", Str(postObject["content"]));
        Assert.Equal(g.GroupId, Str(postObject["attributedTo"]));

        // Material: an Article with its name and the link as an attachment.
        var article = await g.WaitForObjectAsync("Create", material);
        AssertParsedAs(article, "Article");
        Assert.Equal("The Rust Book, chapter 4", Str(article["name"]));
        Assert.Contains(article["attachments"]!.AsArray(), a =>
            Str(a!["href"]) == "https://doc.rust-lang.org/book/ch04-00-understanding-ownership.html" && Str(a["name"]) == "Chapter 4");

        // Session: an Event, 16:30-18:00 Europe/Amsterdam on 15 March 2027 (CET, UTC+1).
        var evt = await g.WaitForObjectAsync("Create", session);
        AssertParsedAs(evt, "Event");
        Assert.Equal("Ownership live session", Str(evt["name"]));
        Assert.Equal(DateTimeOffset.Parse("2027-03-15T15:30:00Z"), DateTimeOffset.Parse(Str(evt["startTime"])!));
        Assert.Equal(DateTimeOffset.Parse("2027-03-15T17:00:00Z"), DateTimeOffset.Parse(Str(evt["endTime"])!));
        Assert.Equal("Europe/Amsterdam", Str(evt["timezone"]));
        // Not just present in the JSON: the term expands through our @context to Mobilizon's mz:timezone.
        Assert.True(Str(evt["expanded"]?["error"]) is null, $"JSON-LD expansion failed: {evt["expanded"]?["error"]}");
        Assert.Equal("Europe/Amsterdam", Str(evt["expanded"]?["timezone"]));
        Assert.Contains(JoinUrl, Strings(evt["joinLinks"]));
        // The join link as the Link attachment named "Website" (Mobilizon), as Fedify's Link parsed it.
        Assert.Contains(evt["attachments"]!.AsArray(), a => Str(a!["type"]) == "Link"
            && Str(a["name"]) == "Website" && Str(a["href"]) == JoinUrl);
        // The VirtualLocation as sent (Fedify has no VirtualLocation class; see the peer's rawLocations).
        Assert.Contains(evt["rawLocations"]!.AsArray(), l => Str(l!["type"]) == "VirtualLocation" && Str(l["url"]) == JoinUrl);
        Assert.Contains(JoinUrl, Str(evt["summary"]));

        // Every Create reached the peer through Fedify's verified inbox listener.
        var state = await g.Peer.GetStateAsync();
        foreach (var id in new[] { prompt, checkIn, post, material, session })
            AssertVerifiedCreate(state, id);
        output.WriteLine(string.Join('\n', state.Notes));
        output.WriteLine(evt.ToJsonString());
        output.WriteLine(question.ToJsonString());
    }

    [Fact]
    public async Task An_edited_session_arrives_as_Update_with_the_new_name()
    {
        await using var g = await PublishingGroup.StartAsync();
        var session = await g.PublishAsync("sessions", SessionBody("Ownership live session"));
        await g.WaitForObjectAsync("Create", session);

        await g.EditAsync(session, SessionBody("Ownership and borrowing, live"));

        var updated = await g.WaitForObjectAsync("Update", session);
        AssertParsedAs(updated, "Event");
        Assert.Equal("Ownership and borrowing, live", Str(updated["name"]));
        Assert.Equal(DateTimeOffset.Parse("2027-03-15T15:30:00Z"), DateTimeOffset.Parse(Str(updated["startTime"])!));
        Assert.Equal("Europe/Amsterdam", Str(updated["timezone"]));
        Assert.NotNull(Str(updated["updated"]));
        Assert.True(updated["verified"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_pinned_material_arrives_as_Add_to_the_group_s_featured_collection_and_unpinning_as_Remove()
    {
        await using var g = await PublishingGroup.StartAsync();
        JsonObject Material(bool pinned) => new() { ["title"] = "Course map", ["content"] = "Where we go, week by week.", ["pinned"] = pinned };
        var material = await g.PublishAsync("materials", Material(pinned: true));
        await g.WaitForObjectAsync("Create", material);

        // Mastodon pins a post when the Add's target is the sender's featured collection and the post is the sender's.
        var add = await g.WaitForCollectionChangeAsync("Add", material);
        Assert.Equal(g.GroupId, Str(add["actor"]));
        Assert.Equal($"{g.GroupId}/featured", Str(add["targetId"]));
        Assert.True(Str(add["error"]) is null, $"Fedify could not read the Add's actor: {add["error"]}");
        Assert.Equal(Str(add["targetId"]), Str(add["actorFeatured"]));
        Assert.True(add["verified"]!.GetValue<bool>());

        await g.EditAsync(material, Material(pinned: false));
        var remove = await g.WaitForCollectionChangeAsync("Remove", material);
        Assert.Equal(g.GroupId, Str(remove["actor"]));
        Assert.Equal($"{g.GroupId}/featured", Str(remove["targetId"]));
        Assert.True(remove["verified"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_deleted_post_arrives_as_Delete_and_its_URL_answers_410_with_a_Tombstone()
    {
        await using var g = await PublishingGroup.StartAsync();
        var post = await g.PublishAsync("posts", new JsonObject { ["content"] = "This will be deleted." });
        await g.WaitForObjectAsync("Create", post);

        await g.DeleteAsync(post);

        var deleted = await g.WaitForObjectAsync("Delete", post);
        Assert.True(deleted["verified"]!.GetValue<bool>());
        Assert.Null(Str(deleted["parseError"]));
        Assert.Equal("Tombstone", Str(deleted["type"]));

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, post);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/activity+json"));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Gone, $"GET {post} -> {(int)response.StatusCode}: {body}");
        var tombstone = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("Tombstone", Str(tombstone["type"]));
        Assert.Equal(post, Str(tombstone["id"]));
    }

    private static JsonObject SessionBody(string title) => new()
    {
        ["title"] = title,
        ["content"] = "We go through **ownership** together.",
        ["startsAt"] = "2027-03-15T16:30",
        ["endsAt"] = "2027-03-15T18:00",
        ["timezone"] = "Europe/Amsterdam",
        ["joinUrl"] = JoinUrl,
    };

    /// <summary>Fedify parsed the object (no error) as an instance of the expected vocabulary class.</summary>
    private static void AssertParsedAs(JsonObject recorded, string type)
    {
        Assert.True(Str(recorded["parseError"]) is null,
            $"Fedify refused {recorded["activity"]} {recorded["id"]}: {recorded["parseError"]}\nraw: {recorded["raw"]?.ToJsonString()}");
        Assert.True(Str(recorded["type"]) == type,
            $"Fedify parsed {recorded["id"]} as {recorded["fedifyClass"]}, expected {type}\nraw: {recorded["raw"]?.ToJsonString()}");
        Assert.True(recorded["verified"]!.GetValue<bool>());
    }

    private static void AssertVerifiedCreate(PeerState state, string objectId)
    {
        var inbox = state.Inbox;
        var received = state.Received;
        var index = Enumerable.Range(0, inbox.Count).LastOrDefault(i => PeerState.Str(received[i]["type"]) == "Create"
            && (PeerState.Str(received[i]["object"]?["id"]) ?? PeerState.Str(received[i]["object"])) == objectId, -1);
        Assert.True(index >= 0, $"no Create of {objectId} in the peer's inbox log");
        Assert.True(inbox[index]["verified"]!.GetValue<bool>(), $"Fedify did not verify the Create of {objectId}: HTTP {inbox[index]["status"]}");
        Assert.InRange(inbox[index]["status"]!.GetValue<int>(), 200, 299);
    }

    private static string? Str(JsonNode? node) => PeerState.Str(node);

    private static List<string?> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(Str).ToList();

    /// <summary>A FediLearn node with a group "rust" facilitated by ana (with an API token), followed by a Fedify peer.</summary>
    private sealed class PublishingGroup : IAsyncDisposable
    {
        private readonly HttpClient _api;
        private readonly Dictionary<string, string> _apiPaths = new();

        private PublishingGroup(NodeProcess server, FedifyPeer peer, string token, string groupId)
        {
            Server = server;
            Peer = peer;
            GroupId = groupId;
            _api = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
            _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        public NodeProcess Server { get; }
        public FedifyPeer Peer { get; }
        public string GroupId { get; }

        public static async Task<PublishingGroup> StartAsync()
        {
            var server = await NodeProcess.StartAsync("fedilearn");
            FedifyPeer? peer = null;
            try
            {
                peer = await FedifyPeer.StartAsync();
                await NodeSetup.CliAsync(server, "a-long-password-1\n", "users", "add", "ana", "--email", "ana@x.org");
                await NodeSetup.CliAsync(server, null, "groups", "add", "rust", "--title", "Rust", "--facilitator", "ana");
                var token = (await NodeSetup.CliAsync(server, null, "tokens", "add", "ana")).Trim();
                var groupId = new Uri(server.BaseUrl, "g/rust").ToString();

                var follow = await peer.FollowAsync($"rust@{server.Authority}");
                Assert.Equal(groupId, follow.GroupId);
                await peer.WaitForFollowStateAsync(groupId, "accepted", Patience);
                var group = new PublishingGroup(server, peer, token, groupId);
                await NodeSetup.WaitForFollowerAsync(server, "rust", peer.ActorId, Patience);
                return group;
            }
            catch
            {
                if (peer is not null) await peer.DisposeAsync();
                await server.DisposeAsync();
                throw;
            }
        }

        /// <summary>POST /api/groups/rust/{kind}; returns the object's public id.</summary>
        public async Task<string> PublishAsync(string kind, JsonObject body)
        {
            using var response = await _api.PostAsync($"api/groups/rust/{kind}", Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST api/groups/rust/{kind} {body.ToJsonString()} -> {(int)response.StatusCode}: {text}");
            var json = JsonNode.Parse(text)!.AsObject();
            var id = json["id"]!.GetValue<string>();
            _apiPaths[id] = $"api/groups/rust/{kind}/{json["localId"]!.GetValue<long>()}";
            return id;
        }

        public async Task EditAsync(string id, JsonObject body)
        {
            using var response = await _api.PutAsync(_apiPaths[id], Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"PUT {_apiPaths[id]} -> {(int)response.StatusCode}: {text}");
        }

        public async Task DeleteAsync(string id)
        {
            using var response = await _api.DeleteAsync(_apiPaths[id]);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"DELETE {_apiPaths[id]} -> {(int)response.StatusCode}: {text}");
        }

        public async Task<JsonObject> WaitForObjectAsync(string activity, string objectId) =>
            (await Peer.WaitForObjectAsync(activity, objectId, Patience, () => $"FediLearn log:\n{Server.Output}")).Object;

        /// <summary>Polls the peer until Fedify's inbox listener recorded an Add or Remove (<paramref name="activity"/>) of <paramref name="objectId"/>.</summary>
        public async Task<JsonObject> WaitForCollectionChangeAsync(string activity, string objectId)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                var state = await Peer.GetStateAsync();
                var found = state.CollectionChanges.LastOrDefault(c => Str(c["activity"]) == activity && Str(c["objectId"]) == objectId);
                if (found is not null) return found;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"Fedify peer recorded no {activity} of {objectId}.\n" +
                        $"Inbox: {string.Join(", ", state.Inbox.Select(e => $"{e["type"]} {e["id"]} -> {e["status"]} verified={e["verified"]}"))}\n" +
                        $"Peer notes:\n{string.Join('\n', state.Notes)}\nFediLearn log:\n{Server.Output}");
                await Task.Delay(200);
            }
        }

        private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

        public async ValueTask DisposeAsync()
        {
            _api.Dispose();
            await Peer.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
