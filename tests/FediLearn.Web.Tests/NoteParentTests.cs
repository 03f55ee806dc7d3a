using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

/// <summary>
/// POST /api/notes answering something on this node that is not there: a group or item that does not exist, a prompt
/// deleted or not yet published, a note that does not exist or was deleted. Until 2026-12-07 such a note was created
/// (201) and sent to the member's followers, addressed to a group that might not exist, in no thread (GET /api/thread
/// said 404); a remote object that is not there was already a 422. Now a 422 as well, and nothing is written.
/// </summary>
public sealed class NoteParentTests
{
    [Fact]
    public async Task A_note_answering_an_object_of_this_node_that_is_not_there_is_a_422_and_is_not_created()
    {
        await using var a = await PublishingNode.StartAsync("note-parent");
        var origin = a.Node.Origin;
        var deleted = (await a.PublishAsync("prompts", new { content = "Soon gone" })).Value<long>("localId");
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"groups/rust/prompts/{deleted}"))
            Assert.Equal(204, (int)delete.StatusCode);
        var scheduled = (await a.PublishAsync("prompts", new { content = "Later", publishAt = DateTimeOffset.UtcNow.AddDays(3).ToString("O") })).Value<long>("localId");
        var own = await CreateAsync(a, new { content = "A thread of my own", group = "rust" }, 201);
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"notes/{own.Value<string>("id")!.Split('/')[^1]}"))
            Assert.Equal(204, (int)delete.StatusCode);

        foreach (var parent in new[]
        {
            $"{origin}/g/nosuch/prompts/1", $"{origin}/g/rust/prompts/9999", $"{origin}/g/rust/posts/{deleted}",
            $"{origin}/g/rust/prompts/{deleted}", $"{origin}/g/rust/prompts/{scheduled}", $"{origin}/u/ana/notes/9999",
            own.Value<string>("id")!,
        })
        {
            var refused = await CreateAsync(a, new { content = "An answer", inReplyTo = parent, group = "rust" }, 422);
            Assert.Contains("could not be fetched", refused.Value<string>("detail"));
        }
        Assert.Single(FaultHelpers.Query(a.Node, "SELECT id FROM local_notes"));

        // What is there is answered as before.
        var live = (await a.PublishAsync("prompts", new { content = "Still here" })).Value<string>("id")!;
        await CreateAsync(a, new { content = "An answer", inReplyTo = live }, 201);
    }

    private static async Task<JObject> CreateAsync(PublishingNode a, object body, int status)
    {
        using var response = await a.SendAsync(HttpMethod.Post, "notes", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{JObject.FromObject(body)}: {(int)response.StatusCode} {text}");
        return JObject.Parse(text);
    }
}
