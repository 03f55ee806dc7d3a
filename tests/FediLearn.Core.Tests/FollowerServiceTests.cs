using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>federation.md items 8-9: Accept (auto or after approval) embedding the Follow unchanged; Reject on removal.</summary>
public class FollowerServiceTests : NodeTest
{
    private const string FollowerUri = "https://mastodon.example/users/bob";
    private const string FollowerInbox = "https://mastodon.example/users/bob/inbox";

    [DbFact]
    public async Task Follow_of_an_open_group_is_accepted_with_one_Accept_embedding_the_Follow()
    {
        var (group, remote) = await SetUpAsync(approval: false);
        var follow = Follow(group, "https://mastodon.example/1");

        await RecordAsync(group, remote, follow);

        var follower = Assert.Single(await FollowersAsync());
        Assert.Equal(FollowState.Accepted, follower.State);
        Assert.NotNull(follower.AcceptedAt);
        var (job, activity) = Assert.Single(await JobsAsync());
        Assert.Equal(DeliveryState.Pending, job.State);
        Assert.Equal(FollowerInbox, job.Inbox);
        Assert.Equal("mastodon.example", job.Host);
        AssertResponse("Accept", activity, group, follow);
    }

    [DbFact]
    public async Task Accept_embeds_a_real_Fedify_Follow_byte_for_byte()
    {
        // Fedify's Follow carries an FEP-8b32 proof whose "created" has nanoseconds: any date parsing changes it and breaks the proof.
        var (group, remote) = await SetUpAsync(approval: false);
        var follow = ActivityJson.Parse(await File.ReadAllTextAsync(TestPaths.Fixture("fedify/follow.json")));
        follow["object"] = Node.Services.GetRequiredService<Federation.ActorUrls>().Actor(group);

        await RecordAsync(group, remote, follow);

        var (_, activity) = Assert.Single(await JobsAsync());
        AssertResponse("Accept", activity, group, follow);
        var created = follow["proof"]?.Value<string>("created");
        Assert.NotNull(created);
        Assert.Equal(created, activity["object"]?["proof"]?.Value<string>("created"));
    }

    [DbTheory]
    [InlineData("2024-05-01T10:00:00.000Z")]
    [InlineData("2024-05-01T12:00:00+02:00")]
    [InlineData("2024-05-01T10:00:00.123456789Z")]
    [InlineData("2024-05-01 10:00")]
    public async Task Accept_keeps_date_strings_in_the_embedded_Follow_as_received(string date)
    {
        // Peers sign the Follow (LD signatures, FEP-8b32 proofs over "created"): a reformatted date breaks them.
        var (group, remote) = await SetUpAsync(approval: false);
        var follow = Follow(group, "https://mastodon.example/1");
        follow["published"] = date;
        follow["proof"] = new JObject { ["type"] = "DataIntegrityProof", ["created"] = date };

        await RecordAsync(group, remote, follow);

        var (_, activity) = Assert.Single(await JobsAsync());
        AssertResponse("Accept", activity, group, follow);
    }

    [DbFact]
    public async Task Follow_of_an_approval_group_stays_pending_with_nothing_sent()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        await RecordAsync(group, remote, Follow(group, "https://mastodon.example/1"));

        var follower = Assert.Single(await FollowersAsync());
        Assert.Equal(FollowState.Pending, follower.State);
        Assert.Null(follower.AcceptedAt);
        Assert.Empty(await JobsAsync());
    }

    [DbFact]
    public async Task Approving_a_pending_follower_sends_the_Accept()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        var follow = Follow(group, "https://mastodon.example/1");
        await RecordAsync(group, remote, follow);

        await WithServiceAsync(s => s.ApproveAsync(group.Name, FollowerUri, default));

        Assert.Equal(FollowState.Accepted, Assert.Single(await FollowersAsync()).State);
        var (job, activity) = Assert.Single(await JobsAsync());
        Assert.Equal(FollowerInbox, job.Inbox);
        AssertResponse("Accept", activity, group, follow);
        await Assert.ThrowsAsync<FediLearnException>(() => WithServiceAsync(s => s.ApproveAsync(group.Name, FollowerUri, default)));
    }

    [DbFact]
    public async Task Removing_a_follower_sends_Reject_and_deletes_them()
    {
        var (group, remote) = await SetUpAsync(approval: false);
        var follow = Follow(group, "https://mastodon.example/1");
        await RecordAsync(group, remote, follow);

        await WithServiceAsync(s => s.RemoveAsync(group.Name, FollowerUri, default));

        Assert.Empty(await FollowersAsync());
        var jobs = await JobsAsync();
        Assert.Equal(["Accept", "Reject"], jobs.Select(j => j.Activity.Value<string>("type")));
        Assert.Equal(FollowerInbox, jobs[1].Job.Inbox);
        AssertResponse("Reject", jobs[1].Activity, group, follow);
    }

    [DbFact]
    public async Task Reject_keeps_date_strings_in_the_embedded_Follow_as_received()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        var follow = Follow(group, "https://mastodon.example/1");
        follow["published"] = "2024-05-01T10:00:00.000Z";
        await RecordAsync(group, remote, follow);

        await WithServiceAsync(s => s.RemoveAsync(group.Name, FollowerUri, default));

        AssertResponse("Reject", Assert.Single(await JobsAsync()).Activity, group, follow);
    }

    [DbFact]
    public async Task Refusing_a_pending_request_sends_Reject()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        var follow = Follow(group, "https://mastodon.example/1");
        await RecordAsync(group, remote, follow);

        await WithServiceAsync(s => s.RemoveAsync(group.Name, FollowerUri, default));

        Assert.Empty(await FollowersAsync());
        AssertResponse("Reject", Assert.Single(await JobsAsync()).Activity, group, follow);
    }

    [DbFact]
    public async Task Removing_someone_who_does_not_follow_fails_clearly()
    {
        var (group, _) = await SetUpAsync(approval: false);
        var e = await Assert.ThrowsAsync<FediLearnException>(() => WithServiceAsync(s => s.RemoveAsync(group.Name, FollowerUri, default)));
        Assert.Contains(FollowerUri, e.Message);
    }

    [DbFact]
    public async Task Resent_Follow_does_not_duplicate_the_follower_and_is_accepted_again()
    {
        var (group, remote) = await SetUpAsync(approval: false);
        await RecordAsync(group, remote, Follow(group, "https://mastodon.example/1"));
        var again = Follow(group, "https://mastodon.example/2");
        await RecordAsync(group, remote, again);

        var follower = Assert.Single(await FollowersAsync());
        Assert.Equal(FollowState.Accepted, follower.State);
        Assert.Equal("https://mastodon.example/2", follower.FollowActivityId);
        var jobs = await JobsAsync();
        Assert.Equal(2, jobs.Count);
        AssertResponse("Accept", jobs[1].Activity, group, again);
    }

    [DbFact]
    public async Task Resent_Follow_to_an_approval_group_stays_one_pending_request()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        await RecordAsync(group, remote, Follow(group, "https://mastodon.example/1"));
        var again = Follow(group, "https://mastodon.example/2");
        await RecordAsync(group, remote, again);

        var follower = Assert.Single(await FollowersAsync());
        Assert.Equal(FollowState.Pending, follower.State);
        Assert.Empty(await JobsAsync());

        // Approval answers the latest Follow, the one the remote server is waiting on.
        await WithServiceAsync(s => s.ApproveAsync(group.Name, FollowerUri, default));
        AssertResponse("Accept", Assert.Single(await JobsAsync()).Activity, group, again);
    }

    [DbFact]
    public async Task Servers_are_counted_once_each_over_accepted_followers_only()
    {
        var (group, remote) = await SetUpAsync(approval: true);
        var others = new[]
        {
            await Node.AddRemoteActorAsync("https://mastodon.example/users/cy", "https://mastodon.example/users/cy/inbox"),
            await Node.AddRemoteActorAsync("https://Lemmy.example/u/dee", "https://lemmy.example/u/dee/inbox"),
            await Node.AddRemoteActorAsync("https://pending.example/users/eve", "https://pending.example/users/eve/inbox"),
        };
        var i = 0;
        foreach (var follower in others.Prepend(remote))
            await RecordAsync(group, follower, ActivityJson.Parse($$"""
                {"id":"https://x.example/follows/{{++i}}","type":"Follow","actor":"{{follower.Uri}}","object":"{{Node.Services.GetRequiredService<Federation.ActorUrls>().Actor(group)}}"}
                """));
        await WithServiceAsync(async s => Assert.Equal(0, await s.ServerCountAsync(group, default)));
        foreach (var follower in others.Prepend(remote).SkipLast(1))
            await WithServiceAsync(s => s.ApproveAsync(group.Name, follower.Uri, default));

        // bob and cy on mastodon.example, dee on lemmy.example; eve's request still waits.
        await WithServiceAsync(async s => Assert.Equal(2, await s.ServerCountAsync(group, default)));
    }

    private void AssertResponse(string type, JObject activity, LocalActor group, JObject follow)
    {
        var groupId = Node.Services.GetRequiredService<Federation.ActorUrls>().Actor(group);
        Assert.Equal(type, activity.Value<string>("type"));
        Assert.Equal(groupId, activity.Value<string>("actor"));
        Assert.StartsWith($"{TestNode.PublicUrl}/activities/", activity.Value<string>("id"));
        Assert.Equal([FollowerUri], activity["to"]!.Values<string>());
        var embedded = activity["object"];
        Assert.True(JToken.DeepEquals(follow, embedded),
            $"the {type} must embed the received Follow unchanged.\nreceived: {follow.ToString(Newtonsoft.Json.Formatting.None)}\n"
            + $"embedded: {embedded?.ToString(Newtonsoft.Json.Formatting.None)}");
    }

    private async Task<(LocalActor Group, RemoteActor Remote)> SetUpAsync(bool approval)
    {
        LocalActor group;
        await using (var scope = Node.Scope())
            group = await scope.ServiceProvider.GetRequiredService<GroupService>().AddAsync("rust_circle", "Rust circle", null, approval, null, default);
        var remote = await Node.AddRemoteActorAsync(FollowerUri, FollowerInbox);
        return (group, remote);
    }

    /// <summary>A Follow as Mastodon sends it.</summary>
    private JObject Follow(LocalActor group, string id) => ActivityJson.Parse($$"""
        {"@context":"https://www.w3.org/ns/activitystreams","id":"{{id}}","type":"Follow",
         "actor":"{{FollowerUri}}","object":"{{Node.Services.GetRequiredService<Federation.ActorUrls>().Actor(group)}}"}
        """);

    private async Task RecordAsync(LocalActor group, RemoteActor remote, JObject follow) =>
        await WithServiceAsync(s => s.RecordFollowAsync(group, remote, (JObject)follow.DeepClone(), default));

    private async Task WithServiceAsync(Func<FollowerService, Task> action)
    {
        await using var scope = Node.Scope();
        await action(scope.ServiceProvider.GetRequiredService<FollowerService>());
    }

    private Task<List<Follower>> FollowersAsync() => Node.WithDbAsync(db => db.Followers.AsNoTracking().ToListAsync());

    /// <summary>Delivery jobs in order with their activity, parsed as received JSON is (dates stay strings).</summary>
    private async Task<List<(DeliveryJob Job, JObject Activity)>> JobsAsync()
    {
        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Include(j => j.Activity).OrderBy(j => j.Id).ToListAsync());
        return jobs.Select(j => (j, ActivityJson.Parse(j.Activity!.Json))).ToList();
    }
}
