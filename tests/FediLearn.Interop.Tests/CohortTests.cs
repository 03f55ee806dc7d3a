using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FediLearn.Testing;
using Xunit.Abstractions;

namespace FediLearn.Interop.Tests;

/// <summary>
/// Issue 4 item 7: one cohort spread over four servers shares one discussion. Node A hosts the group; learners live on
/// FediLearn nodes B and C and on an independent implementation (Fedify). All talk real, signed HTTP on 127.0.0.1.
/// Each answers in the thread from its own server, the group relays every answer (FEP-1b12), and every server ends up
/// with the same thread, in the same order, nothing twice, nothing missing; a reply the facilitator removes
/// disappears everywhere.
/// </summary>
public sealed class CohortTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Learners_on_three_servers_and_the_group_read_one_thread_and_a_removed_reply_leaves_everywhere()
    {
        await using var a = await Node.StartAsync("cohort-a", "ana");
        await using var b = await Node.StartAsync("cohort-b", "bo");
        await using var c = await Node.StartAsync("cohort-c", "cy");
        await using var ada = await FedifyPeer.StartAsync("ada");
        try
        {
            await a.CliAsync("groups", "add", "rust", "--title", "Rust cohort", "--facilitator", "ana");
            var group = $"{a.Process.Origin}/g/rust";

            await b.CliAsync("following", "add", "bo", $"rust@{a.Process.Authority}");
            await c.CliAsync("following", "add", "cy", $"rust@{a.Process.Authority}");
            await ada.FollowAsync($"rust@{a.Process.Authority}");
            await ada.WaitForFollowStateAsync(group, "accepted", Patience);
            await EventuallyAsync(async () => (await b.Process.CliAsync("following", "list", "bo")).StdOut.Contains("accepted")
                && (await c.Process.CliAsync("following", "list", "cy")).StdOut.Contains("accepted"), "B's and C's follows accepted");
            await EventuallyAsync(async () => (await a.Process.CliAsync("followers", "list", "rust")).StdOut.Split('\n').Count(l => l.Contains("accepted")) == 3,
                "the group has three followers");

            var prompt = (await a.SendAsync(HttpMethod.Post, "groups/rust/prompts", new JsonObject { ["content"] = "What clicked for you this week?" }))["id"]!.GetValue<string>();
            await EventuallyAsync(async () => await b.ThreadAsync(prompt) is not null && await c.ThreadAsync(prompt) is not null, "the prompt reached B and C");
            await ada.WaitForTimelineAsync(t => t.Any(e => Id(e) == prompt), Patience);

            // bo (B) answers the prompt; cy (C) answers bo; ada (Fedify) answers cy; ana (A, the facilitator) answers ada.
            var boNote = await b.NoteAsync("Lifetimes finally made sense.", prompt);
            await EventuallyAsync(async () => (await c.ThreadAsync(prompt))?.Contains(boNote) == true, "C has bo's answer");
            await Task.Delay(1100); // distinct publication seconds: the order is by publication time everywhere
            var cyNote = await c.NoteAsync("Same here, the book's chapter 10 helped.", boNote);
            await ada.WaitForTimelineAsync(t => t.Any(e => Id(e) == cyNote), Patience);
            await Task.Delay(1100);
            var (adaNote, _) = await ada.ReplyAsync(cyNote, "<p>Chapter 10 is great. Also the Rustonomicon.</p>", group);
            await EventuallyAsync(async () => (await a.ThreadAsync(prompt))?.Contains(adaNote) == true, "A took ada's answer");
            await Task.Delay(1100);
            var anaNote = await a.NoteAsync("Careful, the Rustonomicon is for later!", adaNote);

            string[] expected = [prompt, boNote, cyNote, adaNote, anaNote];
            Assert.Equal(expected, await a.ThreadAsync(prompt));
            await EventuallyAsync(async () => Same(await b.ThreadAsync(prompt), expected) && Same(await c.ThreadAsync(prompt), expected), "B and C read A's thread");
            var state = await ada.WaitForTimelineAsync(t => Same(Visible(t), expected), Patience);

            // Nothing twice: the group relayed each answer once to the Fedify learner, and B and C hold each once.
            foreach (var answer in new[] { boNote, cyNote, anaNote })
                Assert.Single(state.Received, r => Str(r["type"]) == "Announce" && RelayedId(r) == answer);
            Assert.Equal(expected.Length, (await b.ThreadAsync(prompt))!.Distinct().Count());

            // The facilitator removes cy's answer: it leaves A, B, C and the Fedify learner's view; the rest stays in order.
            await a.SendAsync(HttpMethod.Post, "groups/rust/moderation/remove", new JsonObject { ["reply"] = cyNote, ["reason"] = "off topic" });
            string[] after = [prompt, boNote, adaNote, anaNote];
            await EventuallyAsync(async () => Same(await a.ThreadAsync(prompt), after) && Same(await b.ThreadAsync(prompt), after)
                && Same(await c.ThreadAsync(prompt), after), "the removal reached A, B and C");
            await ada.WaitForTimelineAsync(t => Same(Visible(t), after), Patience);
        }
        catch
        {
            foreach (var node in new[] { a, b, c }) output.WriteLine($"--- {node.Process.Name}\n{Tail(node.Process.Output)}");
            output.WriteLine($"--- fedify\n{Tail(ada.Output)}");
            throw;
        }
    }

    /// <summary>The Fedify learner's thread: what is not removed, by publication time (ties by id, as the FediLearn nodes order them).</summary>
    private static string[] Visible(IReadOnlyList<JsonObject> timeline) =>
        timeline.Where(e => e["removed"]?.GetValue<bool>() != true)
            .OrderBy(e => Str(e["published"]) is { } p ? DateTimeOffset.Parse(p, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds() : 0)
            .ThenBy(e => Id(e), StringComparer.Ordinal)
            .Select(e => Id(e)!).ToArray();

    private static bool Same(IReadOnlyList<string>? actual, IReadOnlyList<string> expected) => actual is not null && actual.SequenceEqual(expected);

    private static string? Id(JsonObject e) => Str(e["id"]);

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>What an Announce relays: FEP-1b12 embeds the Create (its object's id), a plain boost names the object.</summary>
    private static string? RelayedId(JsonObject announce) => announce["object"] switch
    {
        JsonValue v => Str(v),
        JsonObject inner when Str(inner["type"]) == "Create" => inner["object"] is JsonObject o ? Str(o["id"]) : Str(inner["object"]),
        _ => null,
    };

    private static string Tail(string text) => text.Length > 20_000 ? text[^20_000..] : text;

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(300);
        }
    }

    /// <summary>A FediLearn node with one member and their API token.</summary>
    private sealed class Node(NodeProcess process, string member, string token) : IAsyncDisposable
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

        public NodeProcess Process { get; } = process;

        public static async Task<Node> StartAsync(string name, string member)
        {
            var process = await NodeProcess.StartAsync(name);
            try
            {
                await NodeSetup.CliAsync(process, "a-long-password-1\n", "users", "add", member, "--email", $"{member}@example.org");
                var token = (await NodeSetup.CliAsync(process, null, "tokens", "add", member)).Trim();
                return new Node(process, member, token);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }

        public Task<string> CliAsync(params string[] args) => NodeSetup.CliAsync(Process, null, args);

        public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body = null)
        {
            using var request = new HttpRequestMessage(method, $"{Process.Origin}/api/{path}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{method} {path} as {member} -> {(int)response.StatusCode}: {text}");
            return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!.AsObject();
        }

        /// <summary>The member answers <paramref name="inReplyTo"/> from this node; returns the note's id.</summary>
        public async Task<string> NoteAsync(string content, string inReplyTo) =>
            (await SendAsync(HttpMethod.Post, "notes", new JsonObject { ["content"] = content, ["inReplyTo"] = inReplyTo }))["id"]!.GetValue<string>();

        /// <summary>The thread as this node reads it (GET /api/thread), or null when it knows no such thread yet.</summary>
        public async Task<string[]?> ThreadAsync(string top)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Process.Origin}/api/thread?object={Uri.EscapeDataString(top)}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await Http.SendAsync(request);
            if ((int)response.StatusCode == 404) return null;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return JsonNode.Parse(text)!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray();
        }

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
