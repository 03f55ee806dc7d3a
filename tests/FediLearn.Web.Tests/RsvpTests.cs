using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>Issue 4 item 4: RSVPs from Mobilizon (Join/Leave) and Friendica (Accept/TentativeAccept/Reject), answered and counted.</summary>
public sealed class RsvpTests
{
    [Fact]
    public async Task Joins_are_accepted_until_the_session_is_full_and_every_answer_is_counted()
    {
        await using var a = await PublishingNode.StartAsync("rsvp");
        await using var remote = await FakeRemoteServer.StartAsync();
        var session = await a.PublishAsync("sessions", new { title = "Lab", content = "Hands on", startsAt = "2027-05-03T10:00", endsAt = "2027-05-03T12:00", timezone = "Europe/Berlin", place = "Room 4", capacity = 1 });
        var eventId = session.Value<string>("id")!;

        JObject Activity(string type, string actor, string id) => new()
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/{id}", ["type"] = type,
            ["actor"] = remote.Actor(actor), ["object"] = eventId,
        };
        var join = Activity("Join", "learner", "join/1");
        (await remote.SendAsync($"{a.Node.Origin}/inbox", join)).Dispose();
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.True(JToken.DeepEquals(join, accept.Activity["object"]), "Accept embeds the Join unchanged");
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox));

        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity("Join", "bea", "join/2"))).Dispose();
        var reject = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Reject", TimeSpan.FromSeconds(30));
        Assert.Equal(remote.Actor("bea"), reject.Activity["object"]!.Value<string>("actor"));

        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity("TentativeAccept", "cem", "maybe/1"))).Dispose();
        using (var mine = await a.SendAsync(HttpMethod.Post, $"groups/rust/sessions/{session.Value<long>("localId")}/rsvp", new { status = "no" }))
            Assert.Equal(204, (int)mine.StatusCode);
        await EventuallyAsync(async () =>
        {
            using var response = await a.SendAsync(HttpMethod.Get, $"groups/rust/sessions/{session.Value<long>("localId")}/attendees");
            var body = JObject.Parse(await response.Content.ReadAsStringAsync());
            var statuses = body["attendees"]!.ToDictionary(x => x.Value<string>("actor")!, x => x.Value<string>("status"));
            return body.Value<int>("going") == 1 && statuses.GetValueOrDefault(remote.Actor("learner")) == "yes"
                && statuses.GetValueOrDefault(remote.Actor("cem")) == "maybe" && statuses.GetValueOrDefault($"{a.Node.Origin}/u/ana") == "no"
                && !statuses.ContainsKey(remote.Actor("bea"));
        }, "attendees listed with their answers", a.Node);

        var ev = await GetActivityJsonAsync(eventId);
        Assert.Equal(1, ev.Value<int>("participantCount"));
        Assert.Equal(0, ev.Value<int>("remainingAttendeeCapacity"));

        (await remote.SendAsync($"{a.Node.Origin}/inbox", Activity("Leave", "learner", "leave/1"))).Dispose();
        await EventuallyAsync(async () => (await GetActivityJsonAsync(eventId)).Value<int>("participantCount") == 0, "Leave withdraws", a.Node);
        using var bad = await a.SendAsync(HttpMethod.Post, $"groups/rust/sessions/{session.Value<long>("localId")}/rsvp", new { status = "perhaps" });
        Assert.Equal(400, (int)bad.StatusCode);
    }
}
