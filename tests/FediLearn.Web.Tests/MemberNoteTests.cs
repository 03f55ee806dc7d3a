using System.Net.Http.Headers;
using System.Text;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 4: members answer in a group's thread from their own FediLearn node (POST /api/notes) and read the thread there.</summary>
public sealed class MemberNoteTests
{
    [Fact]
    public async Task A_member_on_another_node_answers_the_group_relays_it_and_both_nodes_read_the_same_thread()
    {
        await using var a = await PublishingNode.StartAsync("notes-a");
        await using var b = await NodeProcess.StartAsync("notes-b");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        await b.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        var bo = (await b.CliAsync("tokens", "add", "bo").MustAsync()).StdOut.Trim();
        await b.CliAsync("following", "add", "bo", $"rust@{a.Node.Authority}").MustAsync();
        await EventuallyAsync(async () => (await b.CliAsync("following", "list", "bo")).StdOut.Contains("accepted"), "follow accepted", b);
        var prompt = (await a.PublishAsync("prompts", new { content = "What surprised you?" })).Value<string>("id")!;
        await EventuallyAsync(async () => (await b.CliAsync("timeline", "bo")).StdOut.Contains(prompt), "B received the prompt", b);

        using (var invalid = await SendAsync(b, bo, HttpMethod.Post, "notes", new { content = "", inReplyTo = "not a url" }))
        {
            Assert.Equal(400, (int)invalid.StatusCode);
            var errors = JObject.Parse(await invalid.Content.ReadAsStringAsync())["errors"]!;
            Assert.NotNull(errors["content"]);
            Assert.NotNull(errors["inReplyTo"]);
        }
        using (var anonymous = await SendAsync(b, "", HttpMethod.Post, "notes", new { content = "hi", inReplyTo = prompt }))
            Assert.Equal(401, (int)anonymous.StatusCode);

        JObject created;
        using (var response = await SendAsync(b, bo, HttpMethod.Post, "notes", new { content = "The **borrow checker**, in a good way.", inReplyTo = prompt }))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 201, text);
            created = JObject.Parse(text);
        }
        var noteId = created.Value<string>("id")!;
        Assert.StartsWith($"{b.Origin}/u/bo/notes/", noteId);
        Assert.Equal(a.Group, created.Value<string>("group"));

        var note = await GetActivityJsonAsync(noteId);
        Assert.Equal("Note", note.Value<string>("type"));
        Assert.Equal(prompt, note.Value<string>("inReplyTo"));
        Assert.Contains(a.Group, note["cc"]!.Values<string>());
        Assert.Contains(note["tag"]!, t => t.Value<string>("type") == "Mention" && t.Value<string>("href") == a.Group);
        Assert.Contains("<strong>borrow checker</strong>", note.Value<string>("content"));

        // The group relays bo's Create (FEP-1b12) to its other followers; the Create is fetchable at its id on B.
        var relay = await remote.WaitForAsync(r => RelayedObjectId(r) == noteId, TimeSpan.FromSeconds(60));
        var createId = relay.Activity["object"]!.Value<string>("id")!;
        Assert.StartsWith($"{b.Origin}/activities/", createId);
        var fetchedCreate = await GetActivityJsonAsync(createId);
        Assert.Equal("Create", fetchedCreate.Value<string>("type"));
        Assert.Equal(noteId, fetchedCreate["object"]!.Value<string>("id"));
        Assert.True(await VerifyFromNodeAsync(relay, remote.SharedInbox));

        // A facilitator answers on A itself: taken in-process, relayed like any other reply.
        using (var response = await a.SendAsync(HttpMethod.Post, "notes", new { content = "Glad to hear it!", inReplyTo = noteId }))
            Assert.Equal(201, (int)response.StatusCode);
        await EventuallyAsync(async () => (await ThreadAsync(a.Node, a.Token, prompt)).Count == 3, "A's thread holds both answers", a.Node);
        var onA = await ThreadAsync(a.Node, a.Token, prompt);
        await EventuallyAsync(async () => (await ThreadAsync(b, bo, prompt)).SequenceEqual(onA), "B reads the same thread as A", b, 60);
        Assert.Equal(prompt, onA[0]);
        // Replies are ordered by `published`, which has whole seconds; two published within the same second are ordered
        // by id, the same way on every node (checked just above), so either may come first here.
        var anaNote = Assert.Single(onA, id => id.StartsWith($"{a.Node.Origin}/u/ana/notes/", StringComparison.Ordinal));
        Assert.Equal(new[] { noteId, anaNote }.Order(StringComparer.Ordinal), onA.Skip(1).Order(StringComparer.Ordinal));
        using (var page = new HttpRequestMessage(HttpMethod.Get, noteId))
        {
            page.Headers.Accept.ParseAdd("text/html");
            var html = await (await Http.SendAsync(page)).Content.ReadAsStringAsync();
            Assert.Contains("The whole thread (3)", html); // the note's page shows its whole discussion, with authors and servers
            Assert.Contains($"@ana@{a.Node.Authority}", html);
            Assert.Contains("Glad to hear it!", html);
        }

        // bo deletes: the group takes it out of its thread and withdraws the relay; B's view follows.
        using (var delete = await SendAsync(b, bo, HttpMethod.Delete, $"notes/{noteId[(noteId.LastIndexOf('/') + 1)..]}"))
            Assert.Equal(204, (int)delete.StatusCode);
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Undo" && r.Activity["object"]!.Value<string>("id") == relay.Activity.Value<string>("id"), TimeSpan.FromSeconds(60));
        await EventuallyAsync(async () => !(await ThreadAsync(a.Node, a.Token, prompt)).Contains(noteId), "gone from A's thread", a.Node);
        await EventuallyAsync(async () => !(await ThreadAsync(b, bo, prompt)).Contains(noteId), "gone from B's thread", b, 60);
        using (var gone = new HttpRequestMessage(HttpMethod.Get, noteId))
        {
            gone.Headers.Accept.ParseAdd("application/activity+json");
            using var response = await Http.SendAsync(gone);
            Assert.Equal(410, (int)response.StatusCode); // deleted by its author: a Tombstone
        }
    }

    /// <summary>The same DELETE of a note many times at once: one is made and sends one Delete, the others are 404.</summary>
    [Fact]
    public async Task The_same_note_deleted_at_the_same_moment_is_deleted_once_and_sends_one_Delete()
    {
        await using var b = await NodeProcess.StartAsync("notes-race");
        await b.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        var bo = (await b.CliAsync("tokens", "add", "bo").MustAsync()).StdOut.Trim();
        await b.CliAsync("groups", "add", "circle", "--title", "Circle").MustAsync();
        for (var round = 0; round < 3; round++)
        {
            using var created = await SendAsync(b, bo, HttpMethod.Post, "notes", new { content = $"soon gone {round}", group = "circle" });
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(201 == (int)created.StatusCode, text);
            var noteId = JObject.Parse(text).Value<string>("id")!;
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                using var r = await SendAsync(b, bo, HttpMethod.Delete, $"notes/{noteId[(noteId.LastIndexOf('/') + 1)..]}");
                return (int)r.StatusCode;
            }));
            Assert.All(answers, s => Assert.True(s is 204 or 404, $"{s}"));
            Assert.Single(answers, s => s == 204);
            var deletes = FaultHelpers.Query(b, "SELECT count(*) FROM outbound_activities WHERE type = 'Delete' AND json LIKE $id", ("$id", $"%{noteId}\"%"));
            Assert.Equal(1L, deletes[0][0]);
        }
        Assert.True(!b.Output.Contains("fail:"), b.Output);
    }

    private static Task<HttpResponseMessage> SendAsync(NodeProcess node, string token, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, $"{node.Origin}/api/{path}");
        if (token != "") request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(JObject.FromObject(body).ToString(), Encoding.UTF8, "application/json");
        return Http.SendAsync(request);
    }

    private static async Task<List<string>> ThreadAsync(NodeProcess node, string token, string top)
    {
        using var response = await SendAsync(node, token, HttpMethod.Get, $"thread?object={Uri.EscapeDataString(top)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JObject.Parse(text)["items"]!.Select(i => i.Value<string>("id")!).ToList();
    }
}
