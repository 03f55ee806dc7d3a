using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Services;

/// <summary>What a group's facilitators can change on its settings page.</summary>
/// <remarks>
/// A members-only group (a private cohort) always approves who joins, and never takes replies from everyone: an
/// "open" posting policy becomes "participants".
/// </remarks>
public sealed record GroupSettings(
    string Title, string? Summary, bool Approval, PostingPolicy PostingPolicy, string? DefaultTimeZone, DateTime? ArchiveAt, string? IconMediaKey,
    bool MembersOnly = false)
{
    public bool EffectiveApproval => Approval || MembersOnly;

    public PostingPolicy EffectivePostingPolicy => MembersOnly && PostingPolicy == PostingPolicy.Open ? PostingPolicy.Participants : PostingPolicy;
}

/// <summary>One facilitator of a group: the member's name, their display name if it says more, and since when (UTC).</summary>
public sealed record FacilitatorView(string Name, string? DisplayName, DateTime Since);

public sealed record GroupView(string Name, string Title, string? Summary, bool RequiresApproval, int Followers, int Pending, IReadOnlyList<string> Facilitators);

/// <summary>Learning groups and their facilitators.</summary>
public sealed class GroupService(
    FediLearnDbContext db, ActorUrls urls, ActorRenderer renderer, DeliveryQueue queue, FanoutSignal fanout, PublishingService publishing, TimeProvider time)
{
    public const int MaxSummaryLength = 2000;

    /// <summary>
    /// A group started from a lane: its approval, posting policy, timezone and archive date come from the template (or
    /// the form), and the template's first item is published at once by <paramref name="creator"/>, who facilitates it.
    /// Without a lane the group starts empty with <paramref name="approval"/> as given.
    /// </summary>
    public async Task<LocalActor> CreateFromLaneAsync(
        string name, string title, string? summary, LaneTemplate? lane, bool approval, string? timeZone, DateTime? archiveAt, LocalActor? creator, CancellationToken ct,
        bool membersOnly = false)
    {
        var now = time.GetUtcNow();
        archiveAt ??= lane?.DefaultArchiveDays is { } days ? now.UtcDateTime.AddDays(days) : null;
        var errors = new Dictionary<string, string[]>();
        CheckZoneAndArchive(timeZone, archiveAt, now, errors);
        if (errors.Count > 0) throw new ItemValidationException(errors);

        // A lane's defaults, unless asked otherwise: approval asked for is kept even in a lane that does not need it.
        var group = await AddAsync(name, title, summary, approval || lane?.Approval == true, null, ct);
        group.Lane = lane?.Lane ?? GroupLane.None;
        group.PostingPolicy = lane?.PostingPolicy ?? PostingPolicy.Open;
        if (membersOnly)
        {
            // Set before the lane's first item is published, so that it is addressed to members from the start.
            group.MembersOnly = true;
            group.ManuallyApprovesFollowers = true;
            if (group.PostingPolicy == PostingPolicy.Open) group.PostingPolicy = PostingPolicy.Participants;
        }
        group.DefaultTimeZone = string.IsNullOrWhiteSpace(timeZone) ? null : timeZone.Trim();
        group.ArchiveAt = archiveAt;
        if (creator is not null)
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = creator.Id, AddedAt = now.UtcDateTime });
        await db.SaveChangesAsync(ct);
        if (lane is null || creator is null) return group;

        await publishing.CreateAsync(group, creator, lane.FirstKind, new ItemInput
        {
            Title = lane.FirstTitle,
            Content = lane.FirstContent(group.DisplayName, archiveAt),
            Pinned = lane.FirstKind == ItemKind.Material ? lane.FirstPinned : null,
        }, ct);
        return group;
    }

    /// <summary>
    /// Saves a group's settings. When what other servers show changed (name, summary, icon, approval, posting), the
    /// group sends Update{Group} to its followers so Mastodon and Lemmy refresh their copy.
    /// </summary>
    public async Task<LocalActor> UpdateSettingsAsync(string groupName, GroupSettings settings, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var title = settings.Title?.Trim() ?? "";
        if (title.Length == 0) errors["title"] = ["Give the group a title."];
        else if (title.Length > 200) errors["title"] = ["Use at most 200 characters."];
        var summary = string.IsNullOrWhiteSpace(settings.Summary) ? null : settings.Summary.Trim();
        if (summary?.Length > MaxSummaryLength) errors["summary"] = [$"Use at most {MaxSummaryLength} characters."];
        var group = await db.FindGroupAsync(groupName, ct);
        // A date already passed may stay (the group stays archived); a new one must be in the future.
        CheckZoneAndArchive(settings.DefaultTimeZone, settings.ArchiveAt == group.ArchiveAt ? null : settings.ArchiveAt, now, errors);
        if (settings.IconMediaKey is { } key && key != group.IconMediaKey
            && !await db.MediaFiles.AnyAsync(m => m.Key == key && m.ContentType.StartsWith("image/"), ct))
            errors["icon"] = ["The icon must be an uploaded image (PNG, JPEG, GIF or WebP)."];
        if (errors.Count > 0) throw new ItemValidationException(errors);

        var seenByOthers = group.DisplayName != title || group.Summary != summary || group.IconMediaKey != settings.IconMediaKey
            || group.ManuallyApprovesFollowers != settings.EffectiveApproval || group.MembersOnly != settings.MembersOnly
            || group.PostingPolicyAt(now) != (settings.ArchiveAt is { } a && a <= now.UtcDateTime ? PostingPolicy.Facilitators : settings.EffectivePostingPolicy);
        group.DisplayName = title;
        group.Summary = summary;
        group.ManuallyApprovesFollowers = settings.EffectiveApproval;
        group.PostingPolicy = settings.EffectivePostingPolicy;
        group.MembersOnly = settings.MembersOnly;
        group.DefaultTimeZone = string.IsNullOrWhiteSpace(settings.DefaultTimeZone) ? null : settings.DefaultTimeZone.Trim();
        group.ArchiveAt = settings.ArchiveAt;
        group.IconMediaKey = settings.IconMediaKey;
        if (seenByOthers)
        {
            if (group.IsArchivedAt(now)) group.ArchiveAnnouncedFor = group.ArchiveAt; // this Update tells of it already
            await SaveAndSendUpdateAsync(group, now, ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }
        return group;
    }

    /// <summary>
    /// Groups whose archive date has come: from then on only facilitators post, which the actor document shows (Lemmy's
    /// postingRestrictedToMods), so followers' servers get an Update{Group}, as when a facilitator changes the policy.
    /// Run by every process's <see cref="Queues.PublishScheduler"/>; a conditional update lets one of them send it.
    /// </summary>
    public async Task<int> AnnounceArchivesAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var at = now.UtcDateTime;
        System.Linq.Expressions.Expression<Func<LocalActor, bool>> archivedUntold =
            a => a.ArchiveAt != null && a.ArchiveAt <= at && (a.ArchiveAnnouncedFor == null || a.ArchiveAnnouncedFor != a.ArchiveAt);
        var due = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).Where(archivedUntold)
            .OrderBy(a => a.Id).Select(a => a.Id).Take(100).ToListAsync(ct);
        var announced = 0;
        foreach (var id in due)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var claimed = await db.LocalActors.Where(a => a.Id == id).Where(archivedUntold) // still untold: this process claims it
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.ArchiveAnnouncedFor, a => a.ArchiveAt), ct);
            if (claimed == 0) continue;
            var group = await db.LocalActors.FirstAsync(a => a.Id == id, ct);
            if (group.PostingPolicy != PostingPolicy.Facilitators) // otherwise the document reads as before
            {
                queue.Broadcast(db, group, ActorUpdate(group, now));
                await db.SaveChangesAsync(ct);
                announced++;
            }
            await tx.CommitAsync(ct);
        }
        if (announced > 0) fanout.Signal.Notify();
        return announced;
    }

    /// <summary>Saves the group's changes and queues the Update{Group} that shows them to its followers, in one transaction.</summary>
    private async Task SaveAndSendUpdateAsync(LocalActor group, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        queue.Broadcast(db, group, ActorUpdate(group, now));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        fanout.Signal.Notify();
    }

    private JObject ActorUpdate(LocalActor group, DateTimeOffset now)
    {
        var actor = renderer.Render(group);
        var activity = new JObject
        {
            ["@context"] = actor["@context"]!.DeepClone(),
            ["type"] = "Update",
            ["actor"] = urls.Actor(group),
            ["published"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["cc"] = new JArray(urls.Followers(group)),
        };
        actor.Remove("@context");
        activity["object"] = actor;
        return activity;
    }

    private static void CheckZoneAndArchive(string? zone, DateTime? archiveAt, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (!string.IsNullOrWhiteSpace(zone) && !SessionTime.IsValidZone(zone.Trim()))
            errors["timezone"] = [$"\"{zone}\" is not a timezone this node knows: use an IANA name such as Europe/Amsterdam."];
        if (archiveAt is { } at && at <= now.UtcDateTime)
            errors["archiveAt"] = ["Choose an archive date in the future."];
    }

    public async Task<LocalActor> AddAsync(string name, string title, string? summary, bool approval, string? facilitator, CancellationToken ct)
    {
        if (NameRules.Validate(name, urls) is { } problem) throw new FediLearnException(problem);
        if (string.IsNullOrWhiteSpace(title)) throw new FediLearnException("a group needs a --title");
        // Counted as stored, trimmed, and with the limits its settings are saved with: a longer summary was created here
        // (the CLI, the workspace) and then refused by every save of the group's settings.
        if (title.Trim().Length > 200) throw new FediLearnException("the title is longer than 200 characters");
        summary = string.IsNullOrWhiteSpace(summary) ? null : summary.Trim();
        if (summary?.Length > MaxSummaryLength) throw new FediLearnException($"the summary is longer than {MaxSummaryLength} characters");
        if (await db.LocalActors.AnyAsync(a => a.Name == name, ct))
            throw new FediLearnException($"the name \"{name}\" is already taken by a group or member");
        LocalActor? person = null;
        if (facilitator is not null)
            person = await FindPersonAsync(facilitator, ct);

        var group = LocalActorFactory.Create(ActorKind.Group, name, title.Trim(), summary, approval, time.GetUtcNow().UtcDateTime);
        db.LocalActors.Add(group);
        await db.SaveChangesAsync(ct);
        if (person is not null)
        {
            db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = person.Id, AddedAt = time.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
        }
        return group;
    }

    public async Task<IReadOnlyList<GroupView>> ListAsync(CancellationToken ct)
    {
        var groups = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).OrderBy(a => a.Name)
            .Select(g => new
            {
                g.Name, g.DisplayName, g.Summary, g.ManuallyApprovesFollowers,
                Followers = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Accepted),
                Pending = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Pending),
                Facilitators = db.GroupFacilitators.Where(f => f.GroupId == g.Id)
                    .Join(db.LocalActors, f => f.PersonId, p => p.Id, (f, p) => p.Name).ToList(),
            }).ToListAsync(ct);
        return groups.Select(g => new GroupView(g.Name, g.DisplayName, g.Summary, g.ManuallyApprovesFollowers, g.Followers, g.Pending, g.Facilitators)).ToList();
    }

    /// <summary>
    /// Makes a member a facilitator of the group, and writes it in the group's moderation log with <paramref name="by"/>
    /// (null: an admin at the CLI).
    /// </summary>
    public async Task AddFacilitatorAsync(string groupName, string userName, LocalActor? by, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        var person = await FindPersonAsync(userName, ct);
        if (await db.IsFacilitatorAsync(group.Id, person.Id, ct))
            throw new FediLearnException($"{userName} already facilitates {groupName}");
        db.GroupFacilitators.Add(new GroupFacilitator { GroupId = group.Id, PersonId = person.Id, AddedAt = time.GetUtcNow().UtcDateTime });
        ModerationService.Log(db, time, group.Id, by, AddedFacilitator, person.Name, null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The moderation log's actions for facilitator changes (NotificationService reads the removals).</summary>
    public const string AddedFacilitator = "add-facilitator", RemovedFacilitator = "remove-facilitator";

    /// <summary>
    /// Who facilitates the group: each member's name, display name (null when it is empty or just the name) and when
    /// they became one (UTC), in that order.
    /// </summary>
    public async Task<IReadOnlyList<FacilitatorView>> FacilitatorsAsync(string groupName, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        var rows = await db.GroupFacilitators.AsNoTracking().Where(f => f.GroupId == group.Id)
            .Join(db.LocalActors, f => f.PersonId, p => p.Id, (f, p) => new { p.Name, p.DisplayName, f.AddedAt })
            .OrderBy(f => f.AddedAt).ThenBy(f => f.Name).ToListAsync(ct);
        return rows.Select(f => new FacilitatorView(f.Name,
            string.IsNullOrWhiteSpace(f.DisplayName) || f.DisplayName == f.Name ? null : f.DisplayName, f.AddedAt)).ToList();
    }

    /// <summary>
    /// A member stops facilitating the group; refused for the last one, which would leave nobody to run it. Removals from
    /// one group take turns from the count to the commit, so two facilitators removed at the same moment (two admins,
    /// two settings pages) cannot both pass the count and leave none: SQLite's transaction is <c>BEGIN IMMEDIATE</c> (one
    /// writer at a time); on PostgreSQL the group's row is locked first (a conditional DELETE alone would not do under
    /// READ COMMITTED: each sees the other's row still there). The removal is written in the group's moderation log with
    /// <paramref name="by"/> (null: an admin at the CLI), in the same transaction.
    /// </summary>
    public async Task RemoveFacilitatorAsync(string groupName, string userName, LocalActor? by, CancellationToken ct)
    {
        var group = await db.FindGroupAsync(groupName, ct);
        var person = await FindPersonAsync(userName, ct);
        await using var tx = await SqliteWriteGate.BeginAsync(db, ct);
        if (db.Database.UsesPostgres())
            await db.Database.ExecuteSqlRawAsync("SELECT 1 FROM local_actors WHERE id = {0} FOR UPDATE", [group.Id], ct);
        if (!await db.IsFacilitatorAsync(group.Id, person.Id, ct))
            throw new FediLearnException($"{userName} does not facilitate {groupName}");
        if (await db.GroupFacilitators.CountAsync(f => f.GroupId == group.Id, ct) == 1)
            throw new FediLearnException($"{userName} is the last facilitator of {groupName}: make another member one first (facilitators add {groupName} <user>)");
        await db.GroupFacilitators.Where(f => f.GroupId == group.Id && f.PersonId == person.Id).ExecuteDeleteAsync(ct);
        // The delete went past the change tracker: a row this context added or read earlier would still be tracked, and
        // adding the same member again in this context would then fail on the duplicate key.
        foreach (var tracked in db.ChangeTracker.Entries<GroupFacilitator>().Where(e => e.Entity.GroupId == group.Id && e.Entity.PersonId == person.Id).ToList())
            tracked.State = EntityState.Detached;
        ModerationService.Log(db, time, group.Id, by, RemovedFacilitator, person.Name, null);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Who may reply in the group's threads: open, participants (approved followers) or facilitators.</summary>
    public async Task<PostingPolicy> SetPostingPolicyAsync(string groupName, string policy, CancellationToken ct)
    {
        var parsed = ParsePostingPolicy(policy) ?? throw new FediLearnException($"\"{policy}\" is not a posting policy: use open, participants or facilitators");
        var group = await db.FindGroupAsync(groupName, ct);
        if (group.MembersOnly && parsed == PostingPolicy.Open)
            throw new FediLearnException($"{groupName} is members-only: only its participants or facilitators can reply, so the policy cannot be open");
        var now = time.GetUtcNow();
        var before = group.PostingPolicyAt(now);
        group.PostingPolicy = parsed;
        if (group.PostingPolicyAt(now) == before)
        {
            await db.SaveChangesAsync(ct);
            return parsed;
        }
        // The actor document shows it (Lemmy's postingRestrictedToMods): followers' servers get Update{Group}, as from the settings page.
        await SaveAndSendUpdateAsync(group, now, ct);
        return parsed;
    }

    public static PostingPolicy? ParsePostingPolicy(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "open" => PostingPolicy.Open,
        "participants" => PostingPolicy.Participants,
        "facilitators" => PostingPolicy.Facilitators,
        _ => null,
    };

    private Task<LocalActor> FindPersonAsync(string userName, CancellationToken ct) => db.FindPersonAsync(userName, ct);
}
