using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>Issue 5: the facilitator's dashboard and weekly digest count what the thread and RSVP tables hold.</summary>
public class WorkspaceServiceTests : NodeTest
{
    private const string Mia = "https://mastodon.example/users/mia";
    private const string Leo = "https://lemmy.example/u/leo";

    [DbFact]
    public async Task Dashboard_lists_upcoming_sessions_open_prompts_with_responses_pending_followers_and_open_reports()
    {
        var (group, ana) = await SetUpAsync();
        var (prompt, session, past, closed) = await PublishAsync(group, ana);
        await AddRepliesAsync(group, prompt, ana);
        var remote = await Node.AddRemoteActorAsync("https://mastodon.example/users/zoe");
        await Node.WithDbAsync(async db =>
        {
            db.Rsvps.AddRange(
                new Rsvp { SessionId = session.Id, ActorUri = Mia, Status = RsvpStatus.Yes, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow },
                new Rsvp { SessionId = session.Id, ActorUri = Leo, Status = RsvpStatus.Pending, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            db.Followers.Add(new Follower { LocalActorId = group.Id, RemoteActorId = remote.Id, ActorUri = remote.Uri, FollowActivityId = "https://mastodon.example/f/1", FollowJson = "{}", State = FollowState.Pending, CreatedAt = DateTime.UtcNow });
            db.Reports.AddRange(
                new Report { GroupId = group.Id, ReporterUri = Leo, ObjectsJson = $"[\"{Mia}\"]", Content = "rude", ActivityId = "https://lemmy.example/flag/1", CreatedAt = DateTime.UtcNow },
                new Report { GroupId = group.Id, ReporterUri = Leo, ObjectsJson = "[]", ActivityId = "https://lemmy.example/flag/2", CreatedAt = DateTime.UtcNow, ResolvedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        await using var scope = Node.Scope();
        var dashboard = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().DashboardAsync(group, default);

        var upcoming = Assert.Single(dashboard.UpcomingSessions); // the past session is not upcoming
        Assert.Equal(session.Id, upcoming.Id);
        Assert.Equal((1, 0, 1), (upcoming.Going, upcoming.Maybe, upcoming.Pending));
        Assert.Equal("Europe/Amsterdam", upcoming.TimeZone);
        var open = Assert.Single(dashboard.OpenPrompts); // the closed check-in is not open
        Assert.Equal(prompt.Id, open.Id);
        Assert.Equal((5, 3), (open.Responses, open.Respondents)); // every reply in the thread, as the API counts; not the deleted one
        Assert.Equal("@zoe@mastodon.example", Assert.Single(dashboard.PendingFollowers).Handle);
        Assert.Equal("rude", Assert.Single(dashboard.OpenReports).Content);
        Assert.NotEqual(past.Id, upcoming.Id);
        Assert.DoesNotContain(dashboard.OpenPrompts, p => p.Id == closed.Id);
    }

    [DbFact]
    public async Task Digest_names_who_answered_each_prompt_and_the_replies_no_one_answered_yet()
    {
        var (group, ana) = await SetUpAsync();
        var (prompt, _, _, _) = await PublishAsync(group, ana);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        await AddRepliesAsync(group, prompt, ana);

        await using var scope = Node.Scope();
        var digest = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().DigestAsync(group, 7, default);

        var activity = Assert.Single(digest.Prompts);
        Assert.Equal([Mia, Leo], activity.Respondents.Select(r => r.AuthorUri));
        // mia/1 was answered by ana (a facilitator) and leo/1 by mia; ana's own reply never waits; mia/3 and mia/2 wait.
        Assert.Equal([$"{Mia}/statuses/3", $"{Mia}/statuses/2"], digest.Waiting.Select(w => w.Uri));
        var waiting = digest.Waiting[1];
        Assert.Equal(urls.Item("rust", ItemKind.Prompt, prompt.Id), waiting.TopUri);
        Assert.Equal("Still stuck on traits", waiting.Excerpt);
        await Assert.ThrowsAsync<FediLearnException>(() => scope.ServiceProvider.GetRequiredService<WorkspaceService>().DigestAsync(group, 0, default));
    }

    /// <summary>
    /// The dashboard and <c>sessions list</c> read the group's sessions from the newest 500 created: a weekly cohort
    /// planned ten years ahead, its next session created first, showed sessions years away as upcoming and never the next.
    /// </summary>
    [DbFact]
    public async Task The_next_session_is_listed_however_many_later_ones_were_created_after_it()
    {
        var (group, ana) = await SetUpAsync();
        var (_, next, past, _) = await PublishAsync(group, ana);
        await Node.WithDbAsync(async db =>
        {
            var template = await db.GroupItems.AsNoTracking().SingleAsync(i => i.Id == next.Id);
            for (var week = 1; week <= 520; week++)
            {
                template.Id = 0;
                template.StartsAtLocal = next.StartsAtLocal!.Value.AddDays(7 * week);
                template.EndsAtLocal = next.EndsAtLocal!.Value.AddDays(7 * week);
                db.GroupItems.Add(template);
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
            return 0;
        });

        await using var scope = Node.Scope();
        var workspace = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var upcoming = await workspace.SessionsAsync(group, past: false, 3, default);
        Assert.Equal(next.Id, upcoming[0].Id);
        Assert.Equal(next.StartsAtLocal!.Value.AddDays(14), upcoming[2].StartsAtLocal);
        Assert.Equal(past.Id, Assert.Single(await workspace.SessionsAsync(group, past: true, 3, default)).Id);
    }

    private async Task<(LocalActor Group, LocalActor Ana)> SetUpAsync()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var group = await Node.AddActorAsync(ActorKind.Group, "rust");
        await Node.WithDbAsync(async db =>
        {
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = ana.Id, AddedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        return (group, ana);
    }

    private async Task<(GroupItem Prompt, GroupItem Session, GroupItem Past, GroupItem Closed)> PublishAsync(LocalActor group, LocalActor ana)
    {
        await using var scope = Node.Scope();
        var publishing = scope.ServiceProvider.GetRequiredService<PublishingService>();
        var prompt = await publishing.CreateAsync(group, ana, ItemKind.Prompt, new ItemInput { Content = "What did you learn?" }, default);
        var closed = await publishing.CreateAsync(group, ana, ItemKind.Prompt, new ItemInput
        {
            Content = "Chapter 4?", Choices = ["yes", "no"], ClosesAt = DateTimeOffset.UtcNow.AddSeconds(2),
        }, default);
        var start = DateTime.UtcNow.AddDays(3).Date.AddHours(18);
        var session = await publishing.CreateAsync(group, ana, ItemKind.Session, new ItemInput
        {
            Title = "Live", Content = "Ownership", StartsAt = start, EndsAt = start.AddHours(1), Timezone = "Europe/Amsterdam", JoinUrl = "https://meet.example/x",
        }, default);
        var past = await publishing.CreateAsync(group, ana, ItemKind.Session, new ItemInput
        {
            Title = "Done", Content = "Intro", StartsAt = start.AddDays(-10), EndsAt = start.AddDays(-10).AddHours(1), Timezone = "Europe/Amsterdam", JoinUrl = "https://meet.example/x",
        }, default);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the check-in closes
        return (prompt, session, past, closed);
    }

    private async Task AddRepliesAsync(LocalActor group, GroupItem prompt, LocalActor ana)
    {
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        var top = urls.Item("rust", ItemKind.Prompt, prompt.Id);
        var anaUri = urls.Actor(ana);
        var now = DateTime.UtcNow;
        Reply R(string author, string uri, string inReplyTo, string text, int minutes, bool deleted = false) => new()
        {
            Uri = uri, GroupId = group.Id, TopItemId = prompt.Id, InReplyTo = inReplyTo, AuthorUri = author, AuthorHost = new Uri(author).Authority,
            AuthorName = $"{new Uri(author).Segments[^1]}@{new Uri(author).Authority}", ContentHtml = $"<p>{text}</p>", Json = "{}",
            PublishedAt = now.AddMinutes(minutes), ReceivedAt = now, DeletedAt = deleted ? now : null,
        };
        await Node.WithDbAsync(async db =>
        {
            db.Replies.AddRange(
                R(Mia, $"{Mia}/statuses/1", top, "Borrowing", -50),
                R(anaUri, $"{anaUri}/notes/1", $"{Mia}/statuses/1", "Well done", -40),
                R(Leo, $"{Leo}/comment/1", top, "Lifetimes", -30),
                R(Mia, $"{Mia}/statuses/3", $"{Leo}/comment/1", "Same", -25),
                R(Mia, $"{Mia}/statuses/2", top, "Still stuck on traits", -20),
                R(Leo, $"{Leo}/comment/2", top, "spam", -10, deleted: true));
            return await db.SaveChangesAsync();
        });
    }
}
