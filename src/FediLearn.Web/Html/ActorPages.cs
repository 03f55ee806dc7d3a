using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Text;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>The human side of an actor URL: who this is and how to follow it from any fediverse app.</summary>
public static class ActorPages
{
    public static IResult Actor(LocalActor actor, ActorUrls urls, int followers, IReadOnlyList<GroupItem> latest)
    {
        var id = urls.Actor(actor);
        var handle = urls.Handle(actor);
        var kind = actor.Kind == ActorKind.Group ? "Learning group" : actor.Kind == ActorKind.Person ? "Member" : "Node";
        var summary = ActorRenderer.SummaryHtml(actor.Summary);
        var approval = actor.ManuallyApprovesFollowers
            ? "<p>Facilitators approve each follow request: after you follow, your request shows as pending until they accept it.</p>"
            : "<p>Anyone can follow: your follow is accepted at once.</p>";
        var follow = actor.Kind == ActorKind.Application ? "" : $"""
            <section class="card" aria-labelledby="follow">
            <h2 id="follow">Follow from your fediverse account</h2>
            <p>On Mastodon (or any fediverse app), search for <code>{E(handle)}</code>, or paste this page's address
            <code>{E(id)}</code> into the search box, then choose <strong>Follow</strong>.</p>
            {(actor.Kind == ActorKind.Group ? approval + "<p>Prompts, posts and session announcements of the group then appear in your home timeline, and your replies reach everyone in the group.</p>" : "")}
            </section>
            """;
        var body = $"""
            <p class="muted">{kind}</p>
            <h1>{E(actor.DisplayName)}</h1>
            <p class="handle">{E(handle)}</p>
            {summary}
            <p class="muted">{followers} {(followers == 1 ? "follower" : "followers")}</p>
            {follow}
            {(actor.Kind == ActorKind.Group ? GroupContent(actor, urls, latest) : "")}
            """;
        return Result($"{actor.DisplayName} ({handle})", body, id);
    }

    /// <summary>Upcoming sessions (in their own timezone) and the latest prompts, posts and materials, with the feeds.</summary>
    private static string GroupContent(LocalActor group, ActorUrls urls, IReadOnlyList<GroupItem> latest)
    {
        var now = DateTimeOffset.UtcNow;
        var sessions = latest.Where(i => i.Kind == ItemKind.Session && !i.Cancelled
                && SessionTime.ToInstant(i.EndsAtLocal!.Value, i.TimeZone!) > now)
            .OrderBy(i => SessionTime.ToInstant(i.StartsAtLocal!.Value, i.TimeZone!)).ToList();
        var others = latest.Where(i => i.Kind != ItemKind.Session).ToList();
        var html = new System.Text.StringBuilder();
        html.Append("<h2>Upcoming sessions</h2>");
        html.Append(sessions.Count == 0
            ? "<p class=\"muted\">No sessions scheduled.</p>"
            : "<ul>" + string.Concat(sessions.Select(s =>
                $"<li><a href=\"{E(urls.Item(group.Name, s.Kind, s.Id))}\">{E(s.Title)}</a> — {E(SessionTime.Summary(s.StartsAtLocal!.Value, s.EndsAtLocal!.Value, s.TimeZone!, null, null))}</li>")) + "</ul>");
        html.Append("<h2>Latest</h2>");
        html.Append(others.Count == 0
            ? "<p class=\"muted\">Nothing published yet. Facilitators publish prompts, posts and materials through the API (docs/api.md).</p>"
            : "<ul>" + string.Concat(others.Select(i =>
                $"<li><a href=\"{E(urls.Item(group.Name, i.Kind, i.Id))}\">{E(i.Title ?? PlainText.FromHtml(i.ContentHtml, 90))}</a> <span class=\"muted\">{i.Kind.ToString().ToLowerInvariant()}, {i.PublishedAt:d MMM yyyy}</span></li>")) + "</ul>");
        html.Append($"<p><a href=\"{E(urls.Base)}/groups/{E(group.Name)}/sessions.ics\">Sessions calendar (.ics)</a> · <a href=\"{E(urls.Base)}/groups/{E(group.Name)}/feed.atom\">Atom feed</a></p>");
        return html.ToString();
    }
}
