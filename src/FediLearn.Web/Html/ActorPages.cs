using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>The human side of an actor URL: who this is, how to follow it from any fediverse app and, for a group, what it does.</summary>
public static class ActorPages
{
    /// <param name="follow">The follow form as the visitor left it; with an error the page answers 400.</param>
    /// <param name="restricted">A members-only group seen by someone who may not read it: who it is and how to ask to join, 403.</param>
    public static IResult Actor(LocalActor actor, ActorUrls urls, int followers, GroupPageContent content, FollowFormState? follow = null, bool restricted = false)
    {
        var (html, status) = ActorHtml(actor, urls, followers, content, follow, restricted);
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    /// <summary>The page and its status; the same for every anonymous visitor of a public group (the read cache keeps it).</summary>
    public static (string Html, int Status) ActorHtml(LocalActor actor, ActorUrls urls, int followers, GroupPageContent content, FollowFormState? follow = null, bool restricted = false)
    {
        var id = urls.Actor(actor);
        var handle = urls.Handle(actor);
        var kind = actor.Kind == ActorKind.Group ? "Learning group" : actor.Kind == ActorKind.Person ? "Member" : "Node";
        var summary = ActorRenderer.SummaryHtml(actor.Summary);
        var icon = actor.Kind != ActorKind.Group ? ""
            : $"<img class=\"avatar\" src=\"{E(actor.IconMediaKey is { } key ? urls.Media(key) : id + "/icon.png")}\" alt=\"\" width=\"64\" height=\"64\">";
        var archived = actor.ArchiveAt is { } at && actor.IsArchivedAt(DateTimeOffset.UtcNow)
            ? $"<p class=\"notice\">Archived since {E(at.ToString("ddd d MMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture))}: everything stays readable, but the group takes no new replies.</p>"
            : "";
        var membersOnly = !actor.MembersOnly ? ""
            : restricted
                ? "<p class=\"notice\">Members only: this cohort's prompts, posts, materials and sessions are for its participants, who read them in their own fediverse app. Ask to join by following it below; a facilitator approves each request. Facilitators can <a href=\"/login\">log in</a> to see it here.</p>"
                : "<p class=\"notice\">Members only: what you see here reaches approved participants alone.</p>";
        var body = $"""
            {icon}
            <p class="muted">{(actor.MembersOnly ? "Members-only learning group" : kind)}</p>
            <h1>{E(actor.DisplayName)}</h1>
            {archived}{membersOnly}
            <p class="handle">{E(handle)}</p>
            {(string.IsNullOrWhiteSpace(actor.Summary) && actor.Kind == ActorKind.Group ? "<p class=\"muted\">The facilitators have not described this group yet.</p>" : summary)}
            <p class="muted">{followers} {(followers == 1 ? "follower" : "followers")}</p>
            {(actor.Kind == ActorKind.Application ? "" : FollowForm.Section(actor, handle, id, follow))}
            {(actor.Kind == ActorKind.Group && !restricted ? GroupPage.Sections(actor, urls, content) : "")}
            """;
        var title = follow?.Error is null ? $"{actor.DisplayName} ({handle})" : $"Error: {actor.DisplayName} ({handle})";
        return (Page(title, body, id), follow?.Error is not null ? 400 : restricted ? 403 : 200);
    }
}
