using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 4 item 1: the group's posting policy, and replies whose parents the group has not seen yet.</summary>
public sealed class PostingPolicyTests
{
    [Fact]
    public async Task Participants_only_takes_replies_from_approved_followers_and_facilitators_only_refuses_them_too()
    {
        await using var a = await PublishingNode.StartAsync("policy");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group, "member"))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var prompt = (await a.PublishAsync("prompts", new { content = "What is ownership?" })).Value<string>("id")!;
        var handle = $"@rust@{a.Node.Authority}";

        using (var bad = await a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "members" }))
            Assert.Equal(400, (int)bad.StatusCode);
        using (var set = await a.SendAsync(HttpMethod.Patch, "groups/rust", new { postingPolicy = "participants" }))
        {
            Assert.Equal(200, (int)set.StatusCode);
            Assert.Equal("participants", JObject.Parse(await set.Content.ReadAsStringAsync()).Value<string>("postingPolicy"));
        }

        var stranger = $"{remote.Origin}/users/stranger/statuses/1";
        var member = $"{remote.Origin}/users/member/statuses/1";
        (await remote.SendAsync($"{a.Node.Origin}/inbox", remote.MastodonReply("stranger", stranger, prompt, a.Group, handle, "<p>drive-by</p>"))).Dispose();
        (await remote.SendAsync($"{a.Node.Origin}/inbox", remote.MastodonReply("member", member, prompt, a.Group, handle, "<p>a participant</p>"))).Dispose();
        await remote.WaitForAsync(r => RelayedObjectId(r) == member, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(remote.Received, r => RelayedObjectId(r) == stranger);
        var context = await GetActivityJsonAsync($"{prompt}/context?page=1");
        Assert.Equal([prompt, member], context["orderedItems"]!.Values<string>());

        // Facilitators only: even an approved follower is refused; set through the CLI this time.
        Assert.Contains("facilitators", (await a.Node.CliAsync("groups", "set", "rust", "--posting-policy", "facilitators").MustAsync()).StdOut);
        // What Lemmy reads; the CLI is another process, so the server's read cache shows it within ReadCache:Seconds (2 s).
        await EventuallyAsync(async () => (await GetActivityJsonAsync(a.Group)).Value<bool>("postingRestrictedToMods"), "postingRestrictedToMods", a.Node, 5);
        // Followers' servers are told, as from the settings page (until 2026-12-05 the API and the CLI sent nothing, and Lemmy kept its copy).
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Update" && r.Activity["object"] is JObject { } group
            && group.Value<string>("id") == a.Group && group.Value<bool?>("postingRestrictedToMods") == true, TimeSpan.FromSeconds(30));
        var second = $"{remote.Origin}/users/member/statuses/2";
        (await remote.SendAsync($"{a.Node.Origin}/inbox", remote.MastodonReply("member", second, prompt, a.Group, handle, "<p>again</p>"))).Dispose();
        var bad2 = await a.Node.CliAsync("groups", "set", "rust", "--posting-policy", "everyone");
        Assert.NotEqual(0, bad2.ExitCode);
        Assert.Contains("not a posting policy", bad2.StdErr + bad2.StdOut);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the inbox worker polls every 200 ms in tests
        Assert.DoesNotContain(remote.Received, r => RelayedObjectId(r) == second);
        Assert.Equal(2, (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems"));
    }

    [Fact]
    public async Task A_reply_to_an_unseen_parent_fetches_the_parent_into_the_thread_first_but_only_a_few_levels_deep()
    {
        await using var a = await PublishingNode.StartAsync("parents");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        var prompt = (await a.PublishAsync("prompts", new { content = "Favourite crate?" })).Value<string>("id")!;
        var handle = $"@rust@{a.Node.Authority}";

        // mia answered the prompt but her Create never reached the group; leo answers mia.
        var mia = $"{remote.Origin}/users/mia/statuses/1";
        remote.Serve((JObject)remote.MastodonReply("mia", mia, prompt, a.Group, handle, "<p>serde</p>")["object"]!);
        var leo = $"{remote.Origin}/users/leo/statuses/1";
        var leoCreate = remote.MastodonReply("leo", leo, mia, a.Group, handle, "<p>+1 serde</p>");
        ((JObject)leoCreate["object"]!).Remove("tag"); // no mention: only the parent links it to the thread
        (await remote.SendAsync($"{a.Node.Origin}/inbox", leoCreate)).Dispose();
        await EventuallyAsync(async () => (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems") == 3, "parent fetched, both in the thread", a.Node);
        Assert.Equal([prompt, mia, leo], (await GetActivityJsonAsync($"{prompt}/context?page=1"))["orderedItems"]!.Values<string>());
        await remote.WaitForAsync(r => RelayedObjectId(r) == mia, TimeSpan.FromSeconds(30)); // the fetched parent is relayed by id
        await remote.WaitForAsync(r => RelayedObjectId(r) == leo, TimeSpan.FromSeconds(30));

        // A chain of four unseen ancestors is deeper than the group looks (3): nothing of it is taken.
        var chain = Enumerable.Range(1, 5).Select(i => $"{remote.Origin}/users/kim/statuses/{i}").ToArray();
        for (var i = 0; i < 4; i++)
        {
            var parent = i == 0 ? prompt : chain[i - 1];
            var note = (JObject)remote.MastodonReply("kim", chain[i], parent, a.Group, handle, $"<p>level {i}</p>")["object"]!;
            note.Remove("tag");
            remote.Serve(note);
        }
        var deep = remote.MastodonReply("kim", chain[4], chain[3], a.Group, handle, "<p>deep</p>");
        ((JObject)deep["object"]!).Remove("tag");
        (await remote.SendAsync($"{a.Node.Origin}/inbox", deep)).Dispose();
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(3, (await GetActivityJsonAsync($"{prompt}/context")).Value<int>("totalItems"));
        Assert.DoesNotContain(remote.Received, r => chain.Contains(RelayedObjectId(r)));
    }

    [Fact]
    public async Task A_post_that_only_mentions_the_group_with_a_single_tag_object_is_taken_and_relayed()
    {
        await using var a = await PublishingNode.StartAsync("lone-tag");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var noteId = $"{remote.Origin}/users/ada/notes/1";
        var create = remote.MastodonReply("ada", noteId, "x", a.Group, $"@rust@{a.Node.Authority}", "<p>Anyone for a study session?</p>");
        var note = (JObject)create["object"]!;
        note.Remove("inReplyTo");
        note["tag"] = note["tag"]![0]; // one Mention as an object, not an array (Fedify's shape)
        (await remote.SendAsync($"{a.Node.Origin}/inbox", create)).Dispose();
        await remote.WaitForAsync(r => RelayedObjectId(r) == noteId, TimeSpan.FromSeconds(30));
    }
}
