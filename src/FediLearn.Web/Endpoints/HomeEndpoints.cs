using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Options;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Endpoints;

/// <summary>The node's home page: what this node is, its learning groups and how to follow them.</summary>
public static class HomeEndpoints
{
    public static void MapHomeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (FediLearnDbContext db, ActorUrls urls, IOptions<FediLearnOptions> options, UserService users, CancellationToken ct) =>
        {
            // First start: until an admin exists, point whoever installed the node to the one-time setup page (Pages/Setup).
            var setup = await users.AnyAdminAsync(ct) ? "" : "<p class=\"card\"><strong>New node:</strong> <a href=\"/setup\">create the first admin account</a> to start.</p>";
            var groups = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).OrderBy(a => a.DisplayName).ToListAsync(ct);
            var ids = groups.Select(g => g.Id).ToList();
            var followers = await db.Followers.AsNoTracking().Where(f => ids.Contains(f.LocalActorId) && f.State == FollowState.Accepted)
                .GroupBy(f => f.LocalActorId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            // A members-only group is listed (people need its handle to ask to join), its sessions are not.
            var next = await NextSessionsAsync(db, groups.Where(g => !g.MembersOnly).Select(g => g.Id).ToList(), ct);
            var list = groups.Count == 0
                ? "<p class=\"card\">No learning groups yet. An admin creates the first one in the <a href=\"/workspace\">workspace</a> (or with <code>dotnet run --project src/FediLearn.Web -- groups add &lt;name&gt; --title \"&lt;title&gt;\"</code>).</p>"
                : "<ul class=\"groups\">" + string.Concat(groups.Select(g => Group(g, urls, followers.GetValueOrDefault(g.Id), next.GetValueOrDefault(g.Id)))) + "</ul>";
            var name = options.Value.NodeName;
            return Result(name, $"""
                <h1>{E(name)}</h1>
                {setup}
                <p>{(name == "FediLearn" ? "This" : E(name))} is a FediLearn node: a home for cooperative learning groups on the fediverse. Each group publishes prompts,
                posts, materials and live sessions, and you take part from your own Mastodon (or other fediverse) account: follow a
                group, and answer its prompts by replying.</p>
                <h2>Learning groups</h2>
                {list}
                <p class="muted">Facilitators and members of this node: <a href="/login">Log in</a> to the workspace.</p>
                {(next.Count > 0 ? ViewerTime.Script : "")}
                """);
        });
    }

    private static string Group(LocalActor g, ActorUrls urls, int followers, GroupItem? next) => $"""
        <li class="card"><h3><a href="{E(urls.Actor(g))}">{E(g.DisplayName)}</a></h3>
        <p class="handle">{E(urls.Handle(g))}</p>
        {ActorRenderer.SummaryHtml(g.Summary)}
        <p class="muted">{(g.MembersOnly ? "Members only · " : "")}{followers} {(followers == 1 ? "follower" : "followers")}</p>
        <p>{(g.MembersOnly ? "<span class=\"muted\">Its sessions are for participants.</span>" : next is null ? "<span class=\"muted\">No session scheduled.</span>" : $"Next session: <a href=\"{E(urls.Item(g.Name, next.Kind, next.Id))}\">{E(next.Title ?? "Session")}</a><br>{ViewerTime.Session(next, "span")}")}</p></li>
        """;

    /// <summary>How many sessions of each group, soonest local start first, are read to find its next one by instant.</summary>
    private const int CandidatesPerGroup = 50;

    /// <summary>
    /// Each group's next session that has not ended, by its instant (zones differ, so the last step is in memory). Read
    /// per group (one group's many planned sessions do not hide another's next one), from its sessions whose local end is
    /// less than a day before now in UTC (no zone is further from UTC): a session under way is found however long ago it
    /// started, where those that started more than two days ago were left out.
    /// </summary>
    private static async Task<Dictionary<long, GroupItem>> NextSessionsAsync(FediLearnDbContext db, List<long> groupIds, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var candidates = db.GroupItems
            .Where(i => i.Kind == ItemKind.Session && i.PublishedAt != null && i.DeletedAt == null && !i.Cancelled).NotEndedBy(now);
        // One query, a list per group (EF Core does not translate GroupBy(…).SelectMany(g => g.OrderBy(…).Take(n))).
        var perGroup = await db.LocalActors.AsNoTracking().Where(g => groupIds.Contains(g.Id))
            .Select(g => candidates.Where(i => i.GroupId == g.Id).Take(CandidatesPerGroup).ToList())
            .ToListAsync(ct);
        return perGroup.SelectMany(sessions => sessions).Timed()
            .Where(s => s.End > now)
            .GroupBy(s => s.Item.GroupId)
            .ToDictionary(g => g.Key, g => g.MinBy(s => s.Start).Item);
    }
}
