using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 6: a remote actor's Delete and Update of itself, through the real inbox (signature, durable queue, worker).
/// Each with its tampered twin: the same activity about another actor, signed by someone else.
/// </summary>
public sealed class RemoteActorLifecycleTests
{
    [Fact]
    public async Task A_remote_actors_self_delete_unfollows_it_silently_withdraws_its_reply_and_a_delete_of_it_by_another_actor_does_nothing()
    {
        await using var a = await PublishingNode.StartAsync("self-delete");
        await using var remote = await FakeRemoteServer.StartAsync();
        foreach (var name in new[] { "learner", "mia" })
        {
            (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group, name))).Dispose();
            await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept" && r.Activity["object"]!.Value<string>("actor") == remote.Actor(name), TimeSpan.FromSeconds(30));
        }
        var prompt = (await a.PublishAsync("prompts", new { content = "What did you learn?" })).Value<string>("id")!;
        var noteId = $"{remote.ActorId}/statuses/1";
        (await remote.SendAsync($"{a.Node.Origin}/inbox", remote.MastodonReply("learner", noteId, prompt, a.Group, $"@rust@{a.Node.Authority}", "<p>Traits</p>"))).Dispose();
        var announce = await remote.WaitForAsync(r => RelayedObjectId(r) == noteId, TimeSpan.FromSeconds(30));

        // The twin first: mia (validly signed by mia) claims learner is deleted. Nothing happens.
        var forged = Delete(remote.Actor("mia"), remote.ActorId);
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", forged)) Assert.Equal(202, (int)response.StatusCode);
        await ProcessedAsync(a.Node, forged);
        Assert.Contains(remote.ActorId, (await a.Node.CliAsync("followers", "list", "rust")).StdOut);
        Assert.Equal(2, (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems"));

        // learner deletes itself, signed with its own key as Mastodon does.
        var delete = Delete(remote.ActorId, remote.ActorId);
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", delete)) Assert.Equal(202, (int)response.StatusCode);
        await ProcessedAsync(a.Node, delete);

        var undo = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Undo", TimeSpan.FromSeconds(30));
        Assert.Equal(announce.Activity.Value<string>("id"), undo.Activity["object"]!.Value<string>("id"));
        Assert.Equal(1, (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems"));
        var followers = (await a.Node.CliAsync("followers", "list", "rust")).StdOut;
        Assert.DoesNotContain(remote.ActorId, followers);
        Assert.Contains(remote.Actor("mia"), followers);
        Assert.DoesNotContain(remote.Received, r => r.Activity.Value<string>("type") == "Reject");
        Assert.Equal(0L, Scalar(a.Node, "SELECT count(*) FROM remote_actors WHERE uri = $p", remote.ActorId));

        // Mastodon sends the Delete to every inbox it knows: a re-delivery is 202 and changes nothing.
        using (var again = await remote.SendAsync($"{a.Node.Origin}/inbox", Delete(remote.ActorId, remote.ActorId))) Assert.Equal(202, (int)again.StatusCode);
    }

    [Fact]
    public async Task A_remote_actors_own_update_renames_it_and_an_update_of_it_by_another_actor_or_to_a_foreign_inbox_is_ignored()
    {
        await using var a = await PublishingNode.StartAsync("actor-update");
        await using var remote = await FakeRemoteServer.StartAsync();
        foreach (var name in new[] { "learner", "mia" })
        {
            (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group, name))).Dispose();
            await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept" && r.Activity["object"]!.Value<string>("actor") == remote.Actor(name), TimeSpan.FromSeconds(30));
        }

        var forged = Update(remote.Actor("mia"), Renamed(remote, "Forged by mia"));
        var foreign = Renamed(remote, "Foreign inbox");
        foreign["inbox"] = "http://127.0.0.2:9/inbox";
        var foreignInbox = Update(remote.ActorId, foreign);
        var own = Update(remote.ActorId, Renamed(remote, "Learner Renamed"));
        foreach (var update in new[] { forged, foreignInbox, own })
        {
            using var response = await remote.SendAsync($"{a.Node.Origin}/inbox", update);
            Assert.Equal(202, (int)response.StatusCode);
            await ProcessedAsync(a.Node, update);
            var name = Scalar(a.Node, "SELECT display_name FROM remote_actors WHERE uri = $p", remote.ActorId);
            var inbox = Scalar(a.Node, "SELECT inbox FROM remote_actors WHERE uri = $p", remote.ActorId);
            Assert.Equal(update == own ? "Learner Renamed" : "learner elsewhere", name);
            Assert.Equal(remote.Inbox, inbox);
        }
    }

    /// <summary>The learner's actor document as Mastodon embeds it in Update{Person}: without its own @context.</summary>
    private static JObject Renamed(FakeRemoteServer remote, string name)
    {
        var document = remote.ActorDocument();
        document.Remove("@context");
        document["name"] = name;
        return document;
    }

    private static JObject Delete(string actor, string deleted) => Activity("Delete", actor, deleted);

    private static JObject Update(string actor, JObject document) => Activity("Update", actor, document);

    private static JObject Activity(string type, string actor, JToken obj) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
        ["id"] = $"{actor}#{type.ToLowerInvariant()}-{Guid.NewGuid():N}",
        ["type"] = type,
        ["actor"] = actor,
        ["object"] = obj,
    };

    /// <summary>
    /// security.md case 13 for an actor we know: its self-Delete is signed with a key we have not seen (rotated since it
    /// followed), and fetching that key fails because the actor's document is gone. 410 Gone is its server saying it is
    /// deleted, so the Delete is applied; 404 says nothing of the sort, so the request is a 401 and nothing changes.
    /// Before, both were 401, and a deleted account whose key had changed stayed a follower for good.
    /// </summary>
    [Theory]
    [InlineData(410, true)]
    [InlineData(404, false)]
    public async Task A_known_actors_self_delete_whose_key_cannot_be_fetched_is_applied_when_its_document_is_gone(int status, bool applied)
    {
        await using var a = await PublishingNode.StartAsync($"self-delete-{status}");
        await using var remote = await FakeRemoteServer.StartAsync();
        await remote.FollowAsync(a.Group);
        remote.RotateKey();
        remote.RemoveActor("learner", status);

        var delete = Delete(remote.ActorId, remote.ActorId);
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", delete))
            Assert.Equal(applied ? 202 : 401, (int)response.StatusCode);
        if (applied) await ProcessedAsync(a.Node, delete);

        Assert.Equal(applied ? 0L : 1L, Scalar(a.Node, "SELECT count(*) FROM remote_actors WHERE uri = $p", remote.ActorId));
        Assert.Equal(!applied, (await a.Node.CliAsync("followers", "list", "rust")).StdOut.Contains(remote.ActorId));
    }

    /// <summary>Waits until the inbox worker has finished with this activity (state Done).</summary>
    private static Task ProcessedAsync(NodeProcess node, JObject activity) =>
        EventuallyAsync(() => Task.FromResult(Scalar(node, "SELECT count(*) FROM inbox_items WHERE activity_id = $p AND state = 2", activity.Value<string>("id")!) is 1L),
            $"{activity.Value<string>("type")} {activity.Value<string>("id")} processed", node);

    private static object? Scalar(NodeProcess node, string sql, string parameter)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(node.DataPath, "fedilearn.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", parameter);
        return command.ExecuteScalar();
    }
}
