using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>The follow flow across real processes on 127.0.0.1 (issue 2, checks a, c and the Accept/Reject contract).</summary>
public sealed class FollowFlowTests
{
    [Fact]
    public async Task Person_on_one_node_follows_a_group_on_another_and_is_accepted()
    {
        await using var a = await NodeProcess.StartAsync("a");
        await using var b = await NodeProcess.StartAsync("b");
        await a.CliAsync("groups", "add", "rust", "--title", "Rust study circle").MustAsync();
        await b.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@b.example").MustAsync();

        await b.CliAsync("following", "add", "ana", $"rust@{a.Authority}").MustAsync();

        await EventuallyAsync(async () => (await b.CliAsync("following", "list", "ana")).StdOut.Contains($"{a.Origin}/g/rust accepted"),
            "B's member sees the follow accepted", b);
        var followers = await a.CliAsync("followers", "list", "rust").MustAsync();
        Assert.Contains($"{b.Origin}/u/ana accepted", followers.StdOut);
        var collection = await GetActivityJsonAsync($"{a.Origin}/g/rust/followers");
        Assert.Equal(1, collection.Value<int>("totalItems"));
        var page = await GetActivityJsonAsync(collection.Value<string>("first")!);
        Assert.Equal([$"{b.Origin}/u/ana"], page["orderedItems"]!.Values<string>());
    }

    [Fact]
    public async Task Accept_embeds_the_received_follow_unchanged_and_verifies_with_the_groups_published_key()
    {
        await using var node = await NodeProcess.StartAsync("accept");
        await using var remote = await FakeRemoteServer.StartAsync();
        await node.CliAsync("groups", "add", "open", "--title", "Open group").MustAsync();
        var follow = remote.Follow($"{node.Origin}/g/open");

        using var response = await remote.SendAsync($"{node.Origin}/g/open/inbox", follow);
        Assert.Equal(202, (int)response.StatusCode);

        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.Equal($"{node.Origin}/g/open", accept.Activity.Value<string>("actor"));
        Assert.True(JToken.DeepEquals(follow, accept.Activity["object"]), $"embedded Follow changed: {accept.Activity["object"]}");
        Assert.Contains("(request-target) host date digest content-type", accept.Headers["Signature"]);
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox));

        // Tampered twin: the same signature over a changed body must not verify.
        var tampered = accept with { Body = [.. accept.Body.Take(accept.Body.Length - 2), (byte)' ', (byte)'}'] };
        Assert.False(await VerifyFromNodeAsync(tampered, remote.Inbox));
    }

    [Fact]
    public async Task Approval_group_keeps_the_follow_pending_until_a_facilitator_approves()
    {
        await using var node = await NodeProcess.StartAsync("approval");
        await using var remote = await FakeRemoteServer.StartAsync();
        await node.CliAsync("groups", "add", "closed", "--title", "Closed cohort", "--approval").MustAsync();
        var group = await GetActivityJsonAsync($"{node.Origin}/g/closed");
        Assert.True(group.Value<bool>("manuallyApprovesFollowers"));

        using (var response = await remote.SendAsync($"{node.Origin}/g/closed/inbox", remote.Follow($"{node.Origin}/g/closed")))
            Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(async () => (await node.CliAsync("followers", "list", "closed")).StdOut.Contains($"{remote.ActorId} pending"),
            "the follow request is pending", node);
        await Task.Delay(1500);
        Assert.Empty(remote.Received);

        await node.CliAsync("followers", "approve", "closed", remote.ActorId).MustAsync();
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox));
        Assert.Contains($"{remote.ActorId} accepted", (await node.CliAsync("followers", "list", "closed")).StdOut);
    }

    [Fact]
    public async Task Removing_a_follower_sends_a_signed_Reject_and_Undo_removes_a_follow_matched_by_actor_and_object()
    {
        await using var node = await NodeProcess.StartAsync("remove");
        await using var remote = await FakeRemoteServer.StartAsync();
        await node.CliAsync("groups", "add", "g1", "--title", "One").MustAsync();
        await node.CliAsync("groups", "add", "g2", "--title", "Two").MustAsync();
        foreach (var g in new[] { "g1", "g2" })
            (await remote.SendAsync($"{node.Origin}/inbox", remote.Follow($"{node.Origin}/g/{g}"))).Dispose();
        await EventuallyAsync(async () => remote.Received.Count(r => r.Activity.Value<string>("type") == "Accept") == 2, "two Accepts", node);

        await node.CliAsync("followers", "remove", "g1", remote.ActorId).MustAsync();
        var reject = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Reject", TimeSpan.FromSeconds(30));
        Assert.Equal($"{node.Origin}/g/g1", reject.Activity["object"]!.Value<string>("object"));
        Assert.True(await VerifyFromNodeAsync(reject, remote.Inbox));
        Assert.DoesNotContain(remote.ActorId, (await node.CliAsync("followers", "list", "g1")).StdOut);

        // Mastodon's Undo may carry a Follow id we never saw: match on (actor, object).
        var undo = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{remote.Origin}/undo/1",
            ["type"] = "Undo",
            ["actor"] = remote.ActorId,
            ["object"] = new JObject { ["id"] = $"{remote.Origin}/other-id", ["type"] = "Follow", ["actor"] = remote.ActorId, ["object"] = $"{node.Origin}/g/g2" },
        };
        using (var response = await remote.SendAsync($"{node.Origin}/g/g2/inbox", undo)) Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(async () => !(await node.CliAsync("followers", "list", "g2")).StdOut.Contains(remote.ActorId), "Undo removed the follower", node);
    }
}
