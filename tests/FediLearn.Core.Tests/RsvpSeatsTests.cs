using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A session's last seats under concurrent answers: Joins from several servers applied side by side (the inbox worker's
/// lanes) and members answering at once never fill more seats than the session has. Until 2026-12-05 each answer
/// counted the seats before any of them was saved, and all could get the last one.
/// </summary>
public class RsvpSeatsTests : NodeTest
{
    private async Task<(GroupItem Session, LocalActor Group)> SessionAsync(int? capacity)
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "seats");
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        await using var scope = Node.Scope();
        var start = DateTime.UtcNow.AddDays(3).Date.AddHours(18);
        var session = await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Session, new ItemInput
        {
            Title = "Lab", Content = "Hands on", StartsAt = start, EndsAt = start.AddHours(1), Timezone = "Europe/Berlin", Place = "Room 4", Capacity = capacity,
        }, default);
        return (session, group);
    }

    // Each on a thread of its own, not the pool's (whose few threads would take the answers nearly one by one).
    private static Task<T> Together<T>(Func<Task<T>> work) => Task.Factory.StartNew(work, TaskCreationOptions.LongRunning).Unwrap();

    private static Task Together(Func<Task> work) => Task.Factory.StartNew(work, TaskCreationOptions.LongRunning).Unwrap();

    [DbFact]
    public async Task Joins_from_many_servers_at_once_fill_no_more_seats_than_there_are()
    {
        var (session, group) = await SessionAsync(capacity: 2);
        var attendees = new List<RemoteActor>();
        for (var i = 0; i < 12; i++) attendees.Add(await Node.AddRemoteActorAsync($"https://server{i}.example/users/learner"));
        using var start = new ManualResetEventSlim();
        var running = attendees.Select(attendee => Together(async () =>
        {
            start.Wait(); // all at once, each on a thread of its own (SQLite's client completes its "async" calls inline)
            await using var scope = Node.Scope();
            var join = new JObject { ["id"] = $"{attendee.Uri}/join/1", ["type"] = "Join", ["actor"] = attendee.Uri, ["object"] = $"{TestNode.PublicUrl}/g/seats/sessions/{session.Id}" };
            await scope.ServiceProvider.GetRequiredService<RsvpService>().JoinAsync(session, group, attendee, join, default);
        })).ToList();
        start.Set();
        await Task.WhenAll(running);
        Assert.Equal(2, await Node.WithDbAsync(db => db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes)));
        // Each Join is answered: two Accepts, ten Rejects.
        var answers = await Node.WithDbAsync(db => db.OutboundActivities.Where(a => a.Type == "Accept" || a.Type == "Reject").Select(a => a.Type).ToListAsync());
        Assert.Equal(2, answers.Count(t => t == "Accept"));
        Assert.Equal(10, answers.Count(t => t == "Reject"));
    }

    [DbFact]
    public async Task Members_answering_yes_at_once_fill_no_more_seats_than_there_are()
    {
        var (session, _) = await SessionAsync(capacity: 1);
        using var start = new ManualResetEventSlim();
        var running = Enumerable.Range(0, 12).Select(i => Together(async () =>
        {
            start.Wait();
            await using var scope = Node.Scope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<RsvpService>().SetAsync(session, $"{TestNode.PublicUrl}/u/member{i}", RsvpStatus.Yes, default);
                return "yes";
            }
            catch (FediLearnException e) { return e.Message; }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(running);
        Assert.Single(outcomes, o => o == "yes");
        Assert.All(outcomes.Where(o => o != "yes"), o => Assert.Equal("the session is full", o));
        Assert.Equal(1, await Node.WithDbAsync(db => db.Rsvps.CountAsync(r => r.SessionId == session.Id && r.Status == RsvpStatus.Yes)));
    }

    /// <summary>
    /// The same member's answer sent several times at once (a double click): every request succeeds and one row holds
    /// the answer. Until 2026-12-05 the requests that lost the race to insert the row failed (409 over the API), and
    /// so did those that lost the race to delete it.
    /// </summary>
    [DbTheory]
    [InlineData(null)]
    [InlineData(5)]
    public async Task The_same_answer_sent_several_times_at_once_succeeds_every_time(int? capacity)
    {
        var (session, _) = await SessionAsync(capacity);
        var member = $"{TestNode.PublicUrl}/u/mia";
        foreach (var status in new RsvpStatus?[] { RsvpStatus.Yes, null, RsvpStatus.Maybe })
        {
            using var start = new ManualResetEventSlim();
            var running = Enumerable.Range(0, 8).Select(_ => Together(async () =>
            {
                start.Wait();
                await using var scope = Node.Scope();
                await scope.ServiceProvider.GetRequiredService<RsvpService>().SetAsync(session, member, status, default);
            })).ToList();
            start.Set();
            await Task.WhenAll(running);
            var rows = await Node.WithDbAsync(db => db.Rsvps.Where(r => r.SessionId == session.Id).Select(r => r.Status).ToListAsync());
            Assert.Equal(status is { } s ? [s] : [], rows);
        }
    }
}

public sealed class RsvpSeatsTestsOnPostgres : RsvpSeatsTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
