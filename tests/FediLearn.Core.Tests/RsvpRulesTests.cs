using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Inbox;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Friendica's answers to a session (Accept = yes, TentativeAccept = maybe) follow the rules of a Join, through the inbox
/// worker: refused (Reject, nothing recorded) for a banned actor, a non-participant of a members-only group, a cancelled
/// session or a yes to a full session; pending when the session needs approval. Until 2026-12-06 they were recorded as
/// sent, so a banned actor or an outsider got the private reminder with the join link, and a yes to a full session threw
/// in the inbox worker until the item failed.
/// </summary>
public class RsvpRulesTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Bo = "https://bo.example/users/bo";

    private async Task<(LocalActor Group, GroupItem Session, string EventId)> SessionAsync(
        bool membersOnly = false, int? capacity = null, bool requireApproval = false, bool cancelled = false)
    {
        var (group, _, _) = await Node.AddGroupWithPromptAsync(membersOnly ? PostingPolicy.Participants : PostingPolicy.Open, membersOnly);
        await using var scope = Node.Scope();
        var ana = await scope.ServiceProvider.GetRequiredService<Data.FediLearnDbContext>().LocalActors.AsNoTracking().SingleAsync(a => a.Kind == ActorKind.Person && a.Name == "ana");
        var start = DateTime.UtcNow.AddDays(3).Date.AddHours(18);
        var session = await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Session, new ItemInput
        {
            Title = "Lab", Content = "Hands on", StartsAt = start, EndsAt = start.AddHours(1), Timezone = "Europe/Berlin", Place = "Room 4",
            JoinUrl = "https://meet.example/secret-room", Capacity = capacity, RequireApproval = requireApproval, Cancelled = cancelled,
        }, default);
        return (group, session, Node.Services.GetRequiredService<ActorUrls>().Item(group.Name, ItemKind.Session, session.Id));
    }

    [DbFact]
    public async Task A_banned_actors_maybe_is_not_recorded_and_gets_no_reminder()
    {
        var (group, session, eventId) = await SessionAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().BanAsync(group.Name, Mia, null, "troll", default);

        await ApplyAsync(Answer("TentativeAccept", Mia, eventId, "1"));
        await ApplyAsync(Answer("TentativeAccept", Bo, eventId, "1")); // the twin: not banned

        Assert.Equal([(Bo, RsvpStatus.Maybe)], await AnswersAsync(session));
        await AssertRejectedAsync(Mia, "TentativeAccept");
        int reminded;
        await using (var scope = Node.Scope())
            reminded = await scope.ServiceProvider.GetRequiredService<RsvpService>().RemindAsync(session, group, null, default);
        Assert.Equal(1, reminded);
        var reminder = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Type == "Create" && !a.IsPublic));
        Assert.DoesNotContain(Mia, reminder.Json);
        Assert.Equal(["https://bo.example/inbox"], await Node.WithDbAsync(db => db.DeliveryJobs.Where(j => j.ActivityId == reminder.Id).Select(j => j.Inbox).ToListAsync()));
    }

    [DbFact]
    public async Task A_non_participants_yes_to_a_members_only_groups_session_is_not_recorded()
    {
        var (group, session, eventId) = await SessionAsync(membersOnly: true);
        await Node.AddFollowersAsync(group, Bo); // an approved participant: the twin
        await Node.AddRemoteActorAsync(Mia);

        await ApplyAsync(Answer("Accept", Mia, eventId, "1"));
        await ApplyAsync(Answer("TentativeAccept", Mia, eventId, "2"));
        await ApplyAsync(Answer("Accept", Bo, eventId, "1"));

        Assert.Equal([(Bo, RsvpStatus.Yes)], await AnswersAsync(session));
        await AssertRejectedAsync(Mia, "Accept");
        await AssertRejectedAsync(Mia, "TentativeAccept");
    }

    [DbFact]
    public async Task A_yes_to_a_full_session_is_refused_without_a_failed_inbox_item_and_a_maybe_still_counts()
    {
        var (_, session, eventId) = await SessionAsync(capacity: 1);
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);

        await ApplyAsync(Answer("Accept", Bo, eventId, "1"));
        await ApplyAsync(Answer("Accept", Mia, eventId, "1")); // the last seat is Bo's

        var items = await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().Select(i => new { i.State, i.LastError }).ToListAsync());
        Assert.All(items, i => Assert.Equal((InboxState.Done, (string?)null), (i.State, i.LastError)));
        Assert.Equal([(Bo, RsvpStatus.Yes)], await AnswersAsync(session));
        await AssertRejectedAsync(Mia, "Accept");

        await ApplyAsync(Answer("TentativeAccept", Mia, eventId, "2")); // a maybe takes no seat
        Assert.Equal([(Bo, RsvpStatus.Yes), (Mia, RsvpStatus.Maybe)], await AnswersAsync(session));
    }

    [DbFact]
    public async Task A_yes_or_maybe_to_a_session_needing_approval_is_pending_until_a_facilitator_approves_it()
    {
        var (group, session, eventId) = await SessionAsync(requireApproval: true);
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);

        await ApplyAsync(Answer("Accept", Bo, eventId, "1"));
        await ApplyAsync(Answer("TentativeAccept", Mia, eventId, "1"));

        Assert.Equal([(Bo, RsvpStatus.Pending), (Mia, RsvpStatus.Pending)], await AnswersAsync(session));
        await using (var scope = Node.Scope())
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<RsvpService>().RemindAsync(session, group, null, default));

        await using (var scope = Node.Scope())
        {
            var rsvps = scope.ServiceProvider.GetRequiredService<RsvpService>();
            await rsvps.DecideAsync(session, group, Bo, approve: true, default);
            await rsvps.DecideAsync(session, group, Mia, approve: true, default);
        }
        // Each becomes what it asked for, and is told with an Accept of its own answer.
        Assert.Equal([(Bo, RsvpStatus.Yes), (Mia, RsvpStatus.Maybe)], await AnswersAsync(session));
        var accepts = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Accept").Select(a => a.Json).ToListAsync());
        Assert.Equal(["Accept", "TentativeAccept"], accepts.Select(a => JObject.Parse(a)["object"]!.Value<string>("type")));
    }

    [DbFact]
    public async Task A_yes_to_a_cancelled_session_is_refused()
    {
        var (_, session, eventId) = await SessionAsync(cancelled: true);
        await Node.AddRemoteActorAsync(Mia);

        await ApplyAsync(Answer("Accept", Mia, eventId, "1"));

        Assert.Empty(await AnswersAsync(session));
        await AssertRejectedAsync(Mia, "Accept");
    }

    [DbFact]
    public async Task A_ban_withdraws_the_actors_answers_to_sessions_to_come_with_a_reject_and_keeps_those_over()
    {
        var (group, session, eventId) = await SessionAsync();
        var (_, past, pastId) = await SessionInGroupAsync(group);
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await ApplyAsync(Answer("Accept", Mia, eventId, "1"));
        await ApplyAsync(Answer("Accept", Bo, eventId, "1")); // the twin: not banned
        await ApplyAsync(Answer("Accept", Mia, pastId, "2"));
        // The second session is over by the time of the ban (its answer came before it ended).
        await Node.WithDbAsync(async db =>
        {
            var row = await db.GroupItems.SingleAsync(i => i.Id == past.Id);
            row.StartsAtLocal = DateTime.UtcNow.AddDays(-2).Date.AddHours(18);
            row.EndsAtLocal = row.StartsAtLocal.Value.AddHours(1);
            return await db.SaveChangesAsync();
        });

        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().BanAsync(group.Name, Mia, null, "troll", default);

        Assert.Equal([(Bo, RsvpStatus.Yes)], await AnswersAsync(session));
        Assert.Equal([(Mia, RsvpStatus.Yes)], await AnswersAsync(past)); // the record of who came stays
        await AssertRejectedAsync(Mia, "Accept");
        var reject = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Type == "Reject"));
        Assert.Equal(eventId, JObject.Parse(reject.Json)["object"]!.Value<string>("object"));
        int reminded;
        await using (var scope = Node.Scope())
            reminded = await scope.ServiceProvider.GetRequiredService<RsvpService>().RemindAsync(session, group, null, default);
        Assert.Equal(1, reminded);
    }

    [DbFact]
    public async Task A_reminder_never_goes_to_someone_banned_after_answering_even_if_the_answer_is_still_there()
    {
        var (group, session, eventId) = await SessionAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await ApplyAsync(Answer("Accept", Mia, eventId, "1"));
        await ApplyAsync(Answer("Accept", Bo, eventId, "1"));
        // A ban written before bans withdrew answers (or by hand): the answer is still there.
        await Node.WithDbAsync(db =>
        {
            db.GroupBans.Add(new GroupBan { GroupId = group.Id, ActorUri = Mia, CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });

        await using (var scope = Node.Scope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<RsvpService>().RemindAsync(session, group, null, default));
        var reminder = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Type == "Create" && !a.IsPublic));
        Assert.DoesNotContain(Mia, reminder.Json);
        Assert.Contains(Bo, reminder.Json);
    }

    [DbFact]
    public async Task A_members_yes_to_a_session_needing_approval_waits_for_a_facilitator_unless_they_facilitate()
    {
        var (group, session, _) = await SessionAsync(requireApproval: true);
        var lea = await Node.AddActorAsync(ActorKind.Person, "lea");
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        var anaActor = await Node.WithDbAsync(db => db.LocalActors.AsNoTracking().SingleAsync(a => a.Kind == ActorKind.Person && a.Name == "ana"));
        await Node.WithDbAsync(db =>
        {
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = anaActor.Id, AddedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        var ana = urls.Actor(anaActor);

        await using (var scope = Node.Scope())
        {
            var rsvps = scope.ServiceProvider.GetRequiredService<RsvpService>();
            Assert.Equal(RsvpStatus.Pending, await rsvps.MemberAnswerAsync(session, group, urls.Actor(lea), RsvpStatus.Yes, default));
            Assert.Equal(RsvpStatus.Yes, await rsvps.MemberAnswerAsync(session, group, ana, RsvpStatus.Yes, default)); // a facilitator
            Assert.Equal(1, await rsvps.RemindAsync(session, group, null, default)); // ana only: lea waits
        }
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<RsvpService>().DecideAsync(session, group, urls.Actor(lea), approve: true, default);
        await using (var scope = Node.Scope())
        {
            var rsvps = scope.ServiceProvider.GetRequiredService<RsvpService>();
            Assert.Equal(RsvpStatus.Maybe, await rsvps.MemberAnswerAsync(session, group, urls.Actor(lea), RsvpStatus.Maybe, default)); // from yes: not asked again
            Assert.Equal(RsvpStatus.Pending, await rsvps.MemberAnswerAsync(session, group, urls.Actor(lea), RsvpStatus.Yes, default)); // a maybe turning into a yes is
            Assert.Equal(RsvpStatus.No, await rsvps.MemberAnswerAsync(session, group, urls.Actor(lea), RsvpStatus.No, default));
            Assert.Null(await rsvps.MemberAnswerAsync(session, group, urls.Actor(lea), null, default));
        }
    }

    /// <summary>A second session in the same group.</summary>
    private async Task<(LocalActor Group, GroupItem Session, string EventId)> SessionInGroupAsync(LocalActor group)
    {
        await using var scope = Node.Scope();
        var ana = await scope.ServiceProvider.GetRequiredService<Data.FediLearnDbContext>().LocalActors.AsNoTracking().SingleAsync(a => a.Kind == ActorKind.Person && a.Name == "ana");
        var start = DateTime.UtcNow.AddDays(1).Date.AddHours(18);
        var session = await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Session, new ItemInput
        {
            Title = "Retro", Content = "Looking back", StartsAt = start, EndsAt = start.AddHours(1), Timezone = "Europe/Berlin", Place = "Room 2",
        }, default);
        return (group, session, Node.Services.GetRequiredService<ActorUrls>().Item(group.Name, ItemKind.Session, session.Id));
    }

    private static JObject Answer(string type, string actor, string eventId, string n) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = $"{actor}/rsvp/{type}/{n}",
        ["type"] = type,
        ["actor"] = actor,
        ["object"] = eventId,
    };

    /// <summary>Received as the inbox endpoint stores it, then applied by the inbox worker (one activity at a time, in order).</summary>
    private async Task ApplyAsync(JObject activity)
    {
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, activity.Value<string>("actor")!));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
    }

    private Task<List<(string, RsvpStatus)>> AnswersAsync(GroupItem session) => Node.WithDbAsync(async db =>
        (await db.Rsvps.AsNoTracking().Where(r => r.SessionId == session.Id).OrderBy(r => r.ActorUri).Select(r => new { r.ActorUri, r.Status }).ToListAsync())
        .Select(r => (r.ActorUri, r.Status)).ToList());

    /// <summary>A Reject of the actor's answer of this type, queued to the actor's own inbox.</summary>
    private async Task AssertRejectedAsync(string actor, string answerType)
    {
        var rejects = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Reject").ToListAsync());
        var reject = Assert.Single(rejects, r => JObject.Parse(r.Json)["object"] is JObject o && o.Value<string>("type") == answerType && o.Value<string>("actor") == actor);
        Assert.Equal([actor + "/inbox"], await Node.WithDbAsync(db => db.DeliveryJobs.Where(j => j.ActivityId == reject.Id).Select(j => j.Inbox).ToListAsync()));
    }
}

public sealed class RsvpRulesTestsOnPostgres : RsvpRulesTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
