using System.Security.Cryptography;
using System.Text;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Ids as long as the node stores (IriLength.MaxBytes, 2,048 bytes) are received, stored and relayed on both providers;
/// one byte more is a 400 with a JSON error, not a failing insert (PostgreSQL refuses B-tree entries over ~2,700
/// bytes, so on that provider an unchecked 3 KB id was a 500).
/// </summary>
public sealed class LongIdTests
{
    [Fact]
    public Task On_SQLite_an_id_of_2048_bytes_is_relayed_and_one_of_2049_is_400() => CheckAsync(null);

    [PostgresFact]
    public async Task On_PostgreSQL_an_id_of_2048_bytes_is_relayed_and_one_of_2049_is_400()
    {
        await using var database = await PostgresNodeTests.Database.CreateAsync();
        await CheckAsync(database.Settings());
    }

    private static async Task CheckAsync(Dictionary<string, string>? settings)
    {
        await using var a = await PublishingNode.StartAsync("long-ids", settings);
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var prompt = (await a.PublishAsync("prompts", new { content = "What did you learn this week?" })).Value<string>("id")!;
        var handle = $"@rust@{a.Node.Authority}";
        JObject Reply(string noteId, string inReplyTo, string html) =>
            remote.MastodonReply("mia", noteId, inReplyTo, a.Group, handle, html)
                .Also(r => r["id"] = $"{remote.Actor("mia")}/activities/{Guid.NewGuid():N}"); // short: the note's id is the long one

        // Random hex: PostgreSQL compresses index entries, so a repetitive id would fit where a real one does not.
        var longest = NoteId(remote, IriLength.MaxBytes);
        var reply = Reply(longest, prompt, "<p>As long as an id may be.</p>");
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", reply))
            Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(() => Task.FromResult(remote.Received.Any(r =>
            r.Activity.Value<string>("type") == "Announce" && ObjectId(r.Activity) == longest)), "the longest reply relayed", a.Node);

        var tooLong = NoteId(remote, IriLength.MaxBytes + 1);
        var refused = Reply(tooLong, prompt, "<p>One byte too long.</p>");
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", refused))
        {
            Assert.Equal(400, (int)response.StatusCode);
            var error = JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("error");
            Assert.Contains("object.id is longer than 2048 bytes", error);
        }
        // Non-ASCII counts in UTF-8 bytes: 2,048 characters with one "é" is 2,049 bytes.
        var accented = NoteId(remote, IriLength.MaxBytes + 1, suffix: "é");
        Assert.Equal(IriLength.MaxBytes, accented.Length);
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", Reply(accented, prompt, "<p>Accented.</p>")))
            Assert.Equal(400, (int)response.StatusCode);
        // The activity's own id, as Mastodon mints it from the note's: over the limit as well.
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox",
                   remote.MastodonReply("mia", NoteId(remote, IriLength.MaxBytes - 5), prompt, a.Group, handle, "<p>Its activity.</p>")))
        {
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("activity's id is longer", await response.Content.ReadAsStringAsync());
        }

        var inReplyToLong = Reply(NoteId(remote, 100), NoteId(remote, 3000), "<p>To a long id.</p>");
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", inReplyToLong))
        {
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("object.inReplyTo", await response.Content.ReadAsStringAsync());
        }
        // A facilitator's ban names an actor by its id: the same limit, the same clear answer.
        using (var ban = await a.SendAsync(HttpMethod.Post, "groups/rust/bans", new { actor = NoteId(remote, IriLength.MaxBytes + 1), reason = "too long" }))
        {
            Assert.Equal(400, (int)ban.StatusCode);
            Assert.Contains("at most 2048 bytes", await ban.Content.ReadAsStringAsync());
        }
        using (var ban = await a.SendAsync(HttpMethod.Post, "groups/rust/bans", new { actor = NoteId(remote, IriLength.MaxBytes), reason = "as long as may be" }))
            Assert.Equal(204, (int)ban.StatusCode);
        await Task.Delay(1000);
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Announce" && ObjectId(r.Activity) != longest);
        Assert.DoesNotContain(a.Node.Output.Split('\n'), l => l.Contains("fail:") || l.Contains("crit:"));
    }

    /// <summary>A status URL on the remote's origin, <paramref name="bytes"/> long in UTF-8, its tail random hex.</summary>
    private static string NoteId(FakeRemoteServer remote, int bytes, string suffix = "")
    {
        var head = $"{remote.Actor("mia")}/statuses/";
        var hexLength = bytes - Encoding.UTF8.GetByteCount(head) - Encoding.UTF8.GetByteCount(suffix);
        var hex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(hexLength / 2 + 1))[..hexLength];
        return head + hex + suffix;
    }

    /// <summary>The note a group's Announce relays: FEP-1b12's Announce of the author's Create, or of the note's id.</summary>
    private static string? ObjectId(JObject activity) => activity["object"] switch
    {
        JObject o when o["object"] is JObject note => note.Value<string>("id"),
        JObject o => o.Value<string>("id"),
        JValue v => (string?)v,
        _ => null,
    };
}
