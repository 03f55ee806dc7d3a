using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 3: what a group publishes reaches every follower's server, as what it is, and edits and deletions follow.</summary>
public sealed class PublishingTests
{
    private static readonly object Session = new
    {
        title = "Week 1 kickoff",
        content = "Bring one **question**.",
        startsAt = "2027-03-15T16:30",
        endsAt = "2027-03-15T18:00",
        timezone = "Europe/Amsterdam",
        joinUrl = "https://meet.example/rust",
        capacity = 20,
    };

    [Fact]
    public async Task Each_kind_reaches_a_follower_on_another_FediLearn_node_and_edits_and_deletions_follow()
    {
        await using var a = await PublishingNode.StartAsync("pub-a");
        await using var b = await NodeProcess.StartAsync("pub-b");
        await b.CliWithInputAsync("a-long-password-1\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();
        await b.CliAsync("following", "add", "bo", $"rust@{a.Node.Authority}").MustAsync();
        await EventuallyAsync(async () => (await b.CliAsync("following", "list", "bo")).StdOut.Contains("accepted"), "follow accepted", b);

        var prompt = await a.PublishAsync("prompts", new { content = "What did you learn this week?" });
        var checkin = await a.PublishAsync("prompts", new { content = "How was the pace?", choices = new[] { "too slow", "right", "too fast" }, closesAt = "2027-01-01T12:00:00Z" });
        var post = await a.PublishAsync("posts", new { title = "Welcome", content = "Hello #rust learners" });
        var material = await a.PublishAsync("materials", new { title = "The Book", content = "Read chapter 1.", links = new[] { new { url = "https://doc.rust-lang.org/book/", title = "The Rust Book" } }, pinned = true });
        var session = await a.PublishAsync("sessions", Session);

        string Line(JObject item, string type) => $"{type} {item.Value<string>("id")}";
        await EventuallyAsync(async () =>
        {
            var timeline = (await b.CliAsync("timeline", "bo")).StdOut;
            return timeline.Contains(Line(prompt, "Note")) && timeline.Contains(Line(checkin, "Question")) && timeline.Contains(Line(post, "Note"))
                && timeline.Contains(Line(material, "Article") + " The Book") && timeline.Contains(Line(session, "Event") + " Week 1 kickoff");
        }, "B's member received all five objects", b, 60);

        using (var edit = await a.SendAsync(HttpMethod.Put, $"groups/rust/sessions/{session.Value<long>("localId")}",
            new { title = "Week 1 kickoff (moved)", content = "Bring one **question**.", startsAt = "2027-03-15T17:00", endsAt = "2027-03-15T18:30", timezone = "Europe/Amsterdam", joinUrl = "https://meet.example/rust" }))
            Assert.Equal(200, (int)edit.StatusCode);
        using (var delete = await a.SendAsync(HttpMethod.Delete, $"groups/rust/posts/{post.Value<long>("localId")}"))
            Assert.Equal(204, (int)delete.StatusCode);
        await EventuallyAsync(async () =>
        {
            var timeline = (await b.CliAsync("timeline", "bo")).StdOut;
            return timeline.Contains(Line(session, "Event") + " [edited] Week 1 kickoff (moved)") && timeline.Contains(Line(post, "Note") + " [deleted]");
        }, "B applied the Update and the Delete", b, 60);

        using var gone = new HttpRequestMessage(HttpMethod.Get, post.Value<string>("id"));
        gone.Headers.Accept.ParseAdd("application/activity+json");
        using var goneResponse = await Http.SendAsync(gone);
        Assert.Equal(410, (int)goneResponse.StatusCode);
        var tombstone = JObject.Parse(await goneResponse.Content.ReadAsStringAsync());
        Assert.Equal("Tombstone", tombstone.Value<string>("type"));
        Assert.Equal("Note", tombstone.Value<string>("formerType"));

        var outbox = await GetActivityJsonAsync($"{a.Group}/outbox");
        Assert.Equal(5, outbox.Value<int>("totalItems"));
        var featured = await GetActivityJsonAsync($"{a.Group}/featured?page=1");
        Assert.Equal([material.Value<string>("id")], featured["orderedItems"]!.Values<string>());
    }

    [Fact]
    public async Task Fan_out_sends_one_signed_delivery_per_shared_inbox_with_the_event_fields()
    {
        await using var a = await PublishingNode.StartAsync("fanout");
        await using var remote = await FakeRemoteServer.StartAsync();
        foreach (var name in new[] { "ana", "bea", "cem" })
            (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group, name))).Dispose();
        await EventuallyAsync(() => Task.FromResult(remote.Received.Count(r => r.Activity.Value<string>("type") == "Accept") == 3), "three Accepts", a.Node);

        var session = await a.PublishAsync("sessions", Session);
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        await Task.Delay(1500);
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Create");
        Assert.Equal("/inbox", create.Path);
        Assert.True(await VerifyFromNodeAsync(create, remote.SharedInbox));

        var activity = create.Activity;
        Assert.Equal(a.Group, activity.Value<string>("actor"));
        Assert.Contains("https://www.w3.org/ns/activitystreams#Public", activity["to"]!.Values<string>());
        var ev = (JObject)activity["object"]!;
        Assert.Equal(session.Value<string>("id"), ev.Value<string>("id"));
        Assert.Equal("Event", ev.Value<string>("type"));
        Assert.Equal("Week 1 kickoff", ev.Value<string>("name"));
        Assert.Equal("2027-03-15T16:30:00+01:00", ev.Value<string>("startTime"));
        Assert.Equal("2027-03-15T18:00:00+01:00", ev.Value<string>("endTime"));
        Assert.Equal("Europe/Amsterdam", ev.Value<string>("timezone"));
        Assert.Equal("https://meet.example/rust", ev["location"]!.Value<string>("url"));
        Assert.Contains(ev["attachment"]!, l => l.Value<string>("name") == "Website" && l.Value<string>("href") == "https://meet.example/rust");
        Assert.Equal("Mon 15 March 2027, 16:30–18:00 CET (Europe/Amsterdam) · Join: https://meet.example/rust", ev.Value<string>("summary"));
        Assert.Equal(20, ev.Value<int>("maximumAttendeeCapacity"));
        Assert.Contains(ev["tag"]!, t => t.Value<string>("type") == "Mention" && t.Value<string>("href") == a.Group);
        Assert.Contains($"{a.Group}/followers", ev["cc"]!.Values<string>());
        Assert.Equal(a.Group, ev.Value<string>("audience"));

        // The Create is dereferenceable, and the object answers at its id with the same document.
        var fetched = await GetActivityJsonAsync(activity.Value<string>("id")!);
        Assert.Equal("Create", fetched.Value<string>("type"));
        var context = await GetActivityJsonAsync($"{session.Value<string>("id")}/context?page=1");
        Assert.Equal(session.Value<string>("id"), context["orderedItems"]![0]!.ToString());
    }

    [Fact]
    public async Task Pinning_and_unpinning_a_material_send_Add_and_Remove_to_the_featured_collection()
    {
        await using var a = await PublishingNode.StartAsync("pins");
        await using var remote = await FakeRemoteServer.StartAsync();
        await remote.FollowAsync(a.Group);
        var featuredUrl = $"{a.Group}/featured";
        ReceivedRequest[] Pins() => remote.Received.Where(r => r.Activity.Value<string>("type") is "Add" or "Remove").ToArray();
        async Task EditAsync(long id, string title, bool pinned, string expected)
        {
            var before = remote.Received.Count(r => r.Activity.Value<string>("type") == "Update");
            using (var edit = await a.SendAsync(HttpMethod.Put, $"groups/rust/materials/{id}", new { title, content = "Read it.", pinned }))
                Assert.Equal(200, (int)edit.StatusCode);
            await EventuallyAsync(() => Task.FromResult(remote.Received.Count(r => r.Activity.Value<string>("type") == "Update") > before),
                $"the Update of \"{title}\" ({expected})", a.Node);
        }

        // Published pinned: its Create, then an Add of it to the group's featured collection, signed by the group.
        var material = await a.PublishAsync("materials", new { title = "Syllabus", content = "Read it.", pinned = true });
        var id = material.Value<string>("id")!;
        var add = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Add", TimeSpan.FromSeconds(30));
        Assert.True(await VerifyFromNodeAsync(add, remote.SharedInbox));
        Assert.Equal(a.Group, add.Activity.Value<string>("actor"));
        Assert.Equal(id, add.Activity.Value<string>("object"));
        Assert.Equal(featuredUrl, add.Activity.Value<string>("target"));
        Assert.Contains("https://www.w3.org/ns/activitystreams#Public", add.Activity["to"]!.Values<string>());
        Assert.Contains($"{a.Group}/followers", add.Activity["cc"]!.Values<string>());
        Assert.Equal("Add", (await GetActivityJsonAsync(add.Activity.Value<string>("id")!)).Value<string>("type"));
        Assert.Equal([id], (await GetActivityJsonAsync($"{featuredUrl}?page=1"))["orderedItems"]!.Values<string>());

        // Neither a material published unpinned nor an edit that keeps the pin sends one.
        var other = await a.PublishAsync("materials", new { title = "Glossary", content = "Words." });
        await remote.WaitForAsync(r => (r.Activity["object"] as JObject)?.Value<string>("id") == other.Value<string>("id"), TimeSpan.FromSeconds(30));
        await EditAsync(material.Value<long>("localId"), "Syllabus (v2)", pinned: true, "still pinned");
        await Task.Delay(1000);
        Assert.Single(Pins());

        // Unpinned by an edit: Remove, and the collection is empty; pinned again: Add.
        await EditAsync(material.Value<long>("localId"), "Syllabus (v3)", pinned: false, "unpinned");
        var remove = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Remove", TimeSpan.FromSeconds(30));
        Assert.True(await VerifyFromNodeAsync(remove, remote.SharedInbox));
        Assert.Equal(id, remove.Activity.Value<string>("object"));
        Assert.Equal(featuredUrl, remove.Activity.Value<string>("target"));
        Assert.Equal(0, (await GetActivityJsonAsync(featuredUrl)).Value<int>("totalItems"));
        await EditAsync(material.Value<long>("localId"), "Syllabus (v4)", pinned: true, "pinned again");
        await EventuallyAsync(() => Task.FromResult(Pins().Length == 3), "a second Add", a.Node);
        Assert.Equal(["Add", "Remove", "Add"], Pins().Select(r => r.Activity.Value<string>("type")!));

        // The group's outbox still lists its Creates only.
        Assert.Equal(2, (await GetActivityJsonAsync($"{a.Group}/outbox")).Value<int>("totalItems"));
    }

    [Fact]
    public async Task A_scheduled_post_goes_out_at_its_time_even_after_a_restart()
    {
        await using var a = await PublishingNode.StartAsync("schedule");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var at = DateTimeOffset.UtcNow.AddSeconds(20);
        var post = await a.PublishAsync("posts", new { content = "Scheduled hello", publishAt = at.ToString("yyyy-MM-ddTHH:mm:ssZ") });
        Assert.Null(post["publishedAt"]);
        using (var early = await Http.GetAsync(post.Value<string>("id")))
            Assert.Equal(404, (int)early.StatusCode); // not public before its time

        await a.Node.KillAsync();
        await a.Node.RestartAsync();
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(75));
        Assert.True(create.At >= at.AddSeconds(-1), $"sent at {create.At:O}, scheduled for {at:O}");
        Assert.True(create.At <= at.AddSeconds(60), "sent within a minute of its time");
        Assert.Equal(post.Value<string>("id"), create.Activity["object"]!.Value<string>("id"));
    }
}
