using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>Issue 5: groups start from a lane (defaults and a first item), settings reach followers' servers, archived
/// groups take no replies, and facilitators see what happened in their groups as in-app notifications.</summary>
public class LaneAndSettingsTests : NodeTest
{
    private const string Mia = "https://mastodon.example/users/mia";

    [DbTheory]
    [InlineData("prompt-circle", false, PostingPolicy.Open, ItemKind.Prompt, false)]
    [InlineData("course-cohort", true, PostingPolicy.Participants, ItemKind.Material, false)]
    [InlineData("popup", false, PostingPolicy.Open, ItemKind.Post, true)]
    public async Task A_lane_sets_the_defaults_and_publishes_its_first_item(string key, bool approval, PostingPolicy policy, ItemKind first, bool archives)
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        await using var scope = Node.Scope();
        var lane = Lanes.Find(key)!;
        var group = await scope.ServiceProvider.GetRequiredService<GroupService>()
            .CreateFromLaneAsync("circle", "Tea and code", null, lane, approval: false, "Europe/Amsterdam", null, ana, default);

        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var stored = await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id);
        Assert.Equal((approval, policy, lane.Lane, "Europe/Amsterdam"), (stored.ManuallyApprovesFollowers, stored.PostingPolicy, stored.Lane, stored.DefaultTimeZone));
        Assert.Equal(archives, stored.ArchiveAt is not null);
        // Asked for approval in a lane without it: kept (until 2026-12-05 the lane's default silently won over --approval).
        var asked = await scope.ServiceProvider.GetRequiredService<GroupService>()
            .CreateFromLaneAsync("asked", "Asked", null, lane, approval: true, null, null, ana, default);
        Assert.True(asked.ManuallyApprovesFollowers);
        if (archives) Assert.InRange(stored.ArchiveAt!.Value, DateTime.UtcNow.AddDays(Lanes.PopupDays - 1), DateTime.UtcNow.AddDays(Lanes.PopupDays + 1));
        Assert.True(await db.GroupFacilitators.AnyAsync(f => f.GroupId == group.Id && f.PersonId == ana.Id));
        var item = await db.GroupItems.AsNoTracking().SingleAsync(i => i.GroupId == group.Id);
        Assert.Equal((first, lane.FirstTitle), (item.Kind, item.Title));
        Assert.NotNull(item.PublishedAt);
        Assert.Contains("Tea and code", item.ContentHtml);
        Assert.Equal(first == ItemKind.Material, item.Pinned);
    }

    [DbFact]
    public async Task Without_a_lane_the_group_starts_empty_and_a_bad_zone_or_a_past_archive_date_is_refused()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var empty = await groups.CreateFromLaneAsync("plain", "Plain", null, null, approval: true, null, null, ana, default);
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        Assert.False(await db.GroupItems.AnyAsync(i => i.GroupId == empty.Id));
        Assert.True(empty.ManuallyApprovesFollowers);

        var zone = await Assert.ThrowsAsync<ItemValidationException>(() =>
            groups.CreateFromLaneAsync("zoned", "Zoned", null, Lanes.PromptCircle, false, "Mars/Olympus", null, ana, default));
        Assert.Contains("timezone", zone.Errors.Keys);
        var past = await Assert.ThrowsAsync<ItemValidationException>(() =>
            groups.CreateFromLaneAsync("late", "Late", null, Lanes.Popup, false, null, DateTime.UtcNow.AddDays(-1), ana, default));
        Assert.Contains("archiveAt", past.Errors.Keys);
        Assert.False(await db.LocalActors.AnyAsync(a => a.Name == "zoned" || a.Name == "late")); // nothing half-made
    }

    [DbFact]
    public async Task Changed_settings_are_sent_to_followers_as_Update_Group_and_unchanged_ones_are_not()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "rust");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        await groups.UpdateSettingsAsync("rust", new GroupSettings("Rust circle", "We read the book", true, PostingPolicy.Facilitators, "Europe/Lisbon", null, null), default);
        var update = await db.OutboundActivities.AsNoTracking().SingleAsync(a => a.ActorId == group.Id && a.Type == "Update");
        var json = JObject.Parse(update.Json);
        var actor = (JObject)json["object"]!;
        Assert.Equal(Node.Services.GetRequiredService<ActorUrls>().Actor(group), actor.Value<string>("id"));
        Assert.Equal(("Group", "Rust circle", true, true), (actor.Value<string>("type"), actor.Value<string>("name"), actor.Value<bool>("manuallyApprovesFollowers"), actor.Value<bool>("postingRestrictedToMods")));
        Assert.True(await db.FanoutJobs.AnyAsync(f => f.ActivityId == update.Id));

        // Only the default timezone changes: nothing other servers show, so nothing is sent.
        await groups.UpdateSettingsAsync("rust", new GroupSettings("Rust circle", "We read the book", true, PostingPolicy.Facilitators, "UTC", null, null), default);
        Assert.Equal(1, await db.OutboundActivities.CountAsync(a => a.ActorId == group.Id && a.Type == "Update"));
        Assert.Equal("UTC", (await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id)).DefaultTimeZone);

        var bad = await Assert.ThrowsAsync<ItemValidationException>(() => groups.UpdateSettingsAsync("rust",
            new GroupSettings(" ", null, false, PostingPolicy.Open, "Nowhere/City", DateTime.UtcNow.AddDays(-2), "no-such-file.png"), default));
        Assert.Equal(["archiveAt", "icon", "timezone", "title"], bad.Errors.Keys.Order());

        // An archive date that has passed may stay as it is: saving other settings keeps the group archived.
        // Whole seconds, as the settings form sends: PostgreSQL keeps microseconds, not .NET's 100 ns ticks.
        var now = DateTime.UtcNow;
        var past = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddDays(-3);
        await db.LocalActors.Where(a => a.Id == group.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.ArchiveAt, past));
        db.ChangeTracker.Clear();
        await groups.UpdateSettingsAsync("rust", new GroupSettings("Rust circle", "Archived now", true, PostingPolicy.Facilitators, "UTC", past, null), default);
        Assert.Equal("Archived now", (await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id)).Summary);
    }

    /// <summary>
    /// An archive date that comes makes the group facilitators-only, which its actor document shows: its followers' servers
    /// get one Update{Group} (until 2026-12-05 none, and Lemmy showed an archived community as open until it refetched it).
    /// </summary>
    [DbFact]
    public async Task A_group_whose_archive_date_comes_tells_its_followers_once()
    {
        var popup = await Node.AddActorAsync(ActorKind.Group, "popup");
        var later = await Node.AddActorAsync(ActorKind.Group, "later");
        var quiet = await Node.AddActorAsync(ActorKind.Group, "quiet");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var now = DateTime.UtcNow;
        var past = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddMinutes(-1); // whole seconds, as PostgreSQL keeps them
        await db.LocalActors.Where(a => a.Id == popup.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.ArchiveAt, past));
        await db.LocalActors.Where(a => a.Id == later.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.ArchiveAt, past.AddDays(2)));
        // Facilitators-only already: archiving changes nothing others see.
        await db.LocalActors.Where(a => a.Id == quiet.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.ArchiveAt, past).SetProperty(a => a.PostingPolicy, PostingPolicy.Facilitators));

        Assert.Equal(1, await groups.AnnounceArchivesAsync(default));
        var update = await db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Type == "Update");
        Assert.Equal(popup.Id, update.ActorId);
        var actor = (JObject)JObject.Parse(update.Json)["object"]!;
        Assert.Equal(Node.Services.GetRequiredService<ActorUrls>().Actor(popup), actor.Value<string>("id"));
        Assert.True(actor.Value<bool>("postingRestrictedToMods"));
        Assert.True(await db.FanoutJobs.AnyAsync(f => f.ActivityId == update.Id));

        // Once: the next look (this process's next round, or another process) sends nothing more.
        Assert.Equal(0, await groups.AnnounceArchivesAsync(default));
        Assert.Equal(1, await db.OutboundActivities.CountAsync(a => a.Type == "Update"));

        // Reopened, then archived again at another date: told again.
        await db.LocalActors.Where(a => a.Id == popup.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.ArchiveAt, past.AddSeconds(-30)));
        Assert.Equal(1, await groups.AnnounceArchivesAsync(default));
        Assert.Equal(2, await db.OutboundActivities.CountAsync(a => a.Type == "Update" && a.ActorId == popup.Id));
    }

    [DbFact]
    public async Task An_archived_group_refuses_replies_from_learners_and_an_open_one_takes_them()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var mia = await Node.AddRemoteActorAsync(Mia);
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var open = await groups.CreateFromLaneAsync("open", "Open", null, Lanes.Popup, false, null, null, ana, default);
        var closed = await groups.CreateFromLaneAsync("closed", "Closed", null, Lanes.Popup, false, null, null, ana, default);
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var row = await db.LocalActors.SingleAsync(a => a.Id == closed.Id);
        row.ArchiveAt = DateTime.UtcNow.AddMinutes(-1);
        await db.SaveChangesAsync();

        var threads = scope.ServiceProvider.GetRequiredService<ThreadService>();
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        foreach (var g in new[] { open, closed })
        {
            var post = await db.GroupItems.AsNoTracking().SingleAsync(i => i.GroupId == g.Id);
            var note = new JObject
            {
                ["id"] = $"{Mia}/statuses/{g.Name}", ["type"] = "Note", ["attributedTo"] = Mia, ["content"] = "<p>hello</p>",
                ["inReplyTo"] = urls.Item(g.Name, post.Kind, post.Id), ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            };
            Assert.True(await threads.ReceiveAsync(mia, note, null, default));
        }
        Assert.True(await db.Replies.AnyAsync(r => r.GroupId == open.Id));
        Assert.False(await db.Replies.AnyAsync(r => r.GroupId == closed.Id));
        Assert.True((await db.LocalActors.AsNoTracking().SingleAsync(a => a.Id == closed.Id)).IsArchivedAt(DateTimeOffset.UtcNow));
        var rendered = Node.Services.GetRequiredService<ActorRenderer>().Render(row);
        Assert.True(rendered.Value<bool>("postingRestrictedToMods")); // Lemmy and others show it read-only
    }

    [DbFact]
    public async Task Notifications_list_what_happened_in_my_groups_only_and_mark_read_clears_the_unread_count()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var bo = await Node.AddActorAsync(ActorKind.Person, "bo");
        var mia = await Node.AddRemoteActorAsync(Mia);
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var mine = await groups.CreateFromLaneAsync("mine", "Mine", null, Lanes.PromptCircle, false, null, null, ana, default);
        var theirs = await groups.CreateFromLaneAsync("theirs", "Theirs", null, Lanes.PromptCircle, false, null, null, bo, default);
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var now = DateTime.UtcNow;
        foreach (var g in new[] { mine, theirs })
        {
            db.Followers.Add(new Follower { LocalActorId = g.Id, RemoteActorId = mia.Id, ActorUri = Mia, FollowActivityId = $"{Mia}/follows/{g.Name}", FollowJson = "{}", State = FollowState.Pending, CreatedAt = now });
            db.Replies.Add(new Reply { Uri = $"{Mia}/statuses/{g.Name}", GroupId = g.Id, AuthorUri = Mia, AuthorHost = "mastodon.example", ContentHtml = "<p>hi</p>", Json = "{}", PublishedAt = now, ReceivedAt = now });
        }
        await db.SaveChangesAsync();

        var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
        var list = await notifications.ListAsync(ana, default);
        Assert.Equal([NotificationKind.Reply, NotificationKind.FollowRequest], list.Select(n => n.Kind).Order());
        Assert.All(list, n => Assert.Equal(("mine", "@mia@mastodon.example", true), (n.GroupName, n.Who, n.Unread)));
        Assert.Equal("/workspace/mine/followers", list.Single(n => n.Kind == NotificationKind.FollowRequest).Link);
        Assert.Equal(2, await notifications.UnreadCountAsync(ana, default));

        await notifications.MarkReadAsync(ana, default);
        Assert.Equal(0, await notifications.UnreadCountAsync(ana, default));
        Assert.Equal(2, (await notifications.ListAsync(ana, default)).Count); // still listed, no longer new
        Assert.Equal(2, await notifications.UnreadCountAsync(bo, default)); // bo's own are untouched
    }

    [DbFact]
    public async Task Being_made_a_facilitator_of_a_group_that_exists_is_a_notification_and_being_named_at_its_creation_is_not()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var bo = await Node.AddActorAsync(ActorKind.Person, "bo");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
        var circle = await groups.CreateFromLaneAsync("circle", "Circle", null, Lanes.PromptCircle, false, null, null, ana, default);
        Assert.Empty(await notifications.ListAsync(ana, default)); // she made it

        // A week later, bo is made a facilitator too (the group and ana's role dated back a week).
        var weekAgo = DateTime.UtcNow.AddDays(-7);
        await db.LocalActors.Where(a => a.Id == circle.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.CreatedAt, weekAgo));
        await db.GroupFacilitators.Where(f => f.GroupId == circle.Id).ExecuteUpdateAsync(u => u.SetProperty(f => f.AddedAt, weekAgo));
        await groups.AddFacilitatorAsync("circle", "bo", null, default);
        var told = Assert.Single(await notifications.ListAsync(bo, default));
        Assert.Equal((NotificationKind.Facilitator, "circle", "You", "/workspace/circle", true), (told.Kind, told.GroupName, told.Who, told.Link, told.Unread));
        Assert.StartsWith("now facilitate this group", told.Text);
        Assert.Empty(await notifications.ListAsync(ana, default)); // not news to the others
        await notifications.MarkReadAsync(bo, default);
        Assert.Equal(0, await notifications.UnreadCountAsync(bo, default));
    }

    [DbFact]
    public async Task Being_removed_as_a_facilitator_by_someone_else_is_a_notification_and_both_changes_are_in_the_moderation_log()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var bo = await Node.AddActorAsync(ActorKind.Person, "bo");
        var cy = await Node.AddActorAsync(ActorKind.Person, "cy");
        await using var scope = Node.Scope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
        var moderation = scope.ServiceProvider.GetRequiredService<ModerationService>();
        await groups.CreateFromLaneAsync("circle", "Circle", null, Lanes.PromptCircle, false, null, null, ana, default);

        await groups.AddFacilitatorAsync("circle", "bo", ana, default);
        await groups.AddFacilitatorAsync("circle", "cy", null, default); // an admin at the CLI
        await notifications.MarkReadAsync(bo, default);
        await groups.RemoveFacilitatorAsync("circle", "bo", ana, default);
        var told = (await notifications.ListAsync(bo, default)).First(); // newest first
        Assert.Equal((NotificationKind.FacilitatorRemoved, "circle", "Circle", "You", "/g/circle", true), (told.Kind, told.GroupName, told.GroupTitle, told.Who, told.Link, told.Unread));
        Assert.StartsWith("no longer facilitate this group (removed by ana)", told.Text);
        Assert.Equal(1, await notifications.UnreadCountAsync(bo, default)); // bo facilitates nothing now, and is still told

        await groups.RemoveFacilitatorAsync("circle", "cy", null, default);
        Assert.Contains("(removed by an admin)", (await notifications.ListAsync(cy, default)).Single(n => n.Kind == NotificationKind.FacilitatorRemoved).Text);

        // Added again in the same scope that added and removed bo before (it tracked bo's first row, and the add threw).
        await groups.AddFacilitatorAsync("circle", "bo", ana, default);
        await groups.RemoveFacilitatorAsync("circle", "bo", bo, default); // bo leaves: not news to bo
        Assert.Single(await notifications.ListAsync(bo, default), n => n.Kind == NotificationKind.FacilitatorRemoved);
        Assert.DoesNotContain(await notifications.ListAsync(ana, default), n => n.Kind == NotificationKind.FacilitatorRemoved);

        var log = await moderation.LogAsync("circle", default); // newest first
        Assert.Equal(
            new (string, string, string?)[] { ("remove-facilitator", "bo", "bo"), ("add-facilitator", "bo", "ana"), ("remove-facilitator", "cy", null), ("remove-facilitator", "bo", "ana"), ("add-facilitator", "cy", null), ("add-facilitator", "bo", "ana") },
            log.Select(e => (e.Action, e.Target, e.Moderator)).ToArray());
    }

    /// <summary>
    /// Every page a member opens reads their removals as a facilitator from the moderation log, which holds every
    /// group's actions: on SQLite the query searches the log's partial index of removals, not the whole table.
    /// </summary>
    [DbFact]
    public async Task On_sqlite_a_members_removals_are_read_from_the_moderation_logs_index()
    {
        if (Node.Provider != TestProvider.Sqlite) return; // the same index exists on PostgreSQL; its planner reads tiny tables whole
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var plan = await Node.SqlitePlanAsync(db => NotificationService.FacilitatorRemovals(db, ana, DateTime.UtcNow.AddDays(-30))
            .OrderByDescending(e => e.CreatedAt).Take(NotificationService.Max));

        Assert.Contains(plan, step => step.StartsWith("SEARCH m USING INDEX ix_moderation_log_removed_facilitator (target=? AND created_at>?)"));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN m"));
    }
}
