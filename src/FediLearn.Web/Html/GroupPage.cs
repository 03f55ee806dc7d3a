using FediLearn.Core.Data;
using System.Globalization;
using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using FediLearn.Core.Text;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>What a group's page lists; loaded by <c>Endpoints/ActorEndpoints</c>, each list already ordered and cut.</summary>
public sealed record GroupPageContent(
    IReadOnlyList<GroupItem> Upcoming,
    IReadOnlyList<GroupItem> Prompts,
    IReadOnlyList<GroupItem> Posts,
    IReadOnlyList<GroupItem> Materials,
    IReadOnlyList<GroupItem> Past)
{
    public static GroupPageContent Empty { get; } = new([], [], [], [], []);

    /// <summary>How many of each the group's page lists (the latest); a full list links to the page listing them all.</summary>
    public const int LatestPrompts = 5, LatestPosts = 5, LatestMaterials = 12, UpcomingSessions = 10, LatestPast = 3;
}

/// <summary>The sections of a group's public page, each with an empty state that says what will appear there.</summary>
public static class GroupPage
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Sections(LocalActor group, ActorUrls urls, GroupPageContent content)
    {
        string Link(GroupItem i) => E(urls.Item(group.Name, i.Kind, i.Id));
        var html = new StringBuilder();

        // Each list shows the latest few; once it is full, a link leads to all of them (ItemListPage).
        string All(ItemKind kind, string what, int shown, int cut) =>
            shown < cut ? "" : $"<p><a href=\"{E(urls.Items(group.Name, kind))}\">All {what}</a></p>";

        html.Append("<section aria-labelledby=\"upcoming\"><h2 id=\"upcoming\">Upcoming sessions</h2>");
        html.Append(content.Upcoming.Count == 0
            ? "<p class=\"muted\">No sessions scheduled yet. When facilitators plan a live session, its date, time and join link appear here.</p>"
            : "<ul class=\"items\">" + string.Concat(content.Upcoming.Select(s =>
                $"<li><a href=\"{Link(s)}\">{E(s.Title ?? "Session")}</a><br>{ViewerTime.Session(s, "span")}</li>")) + "</ul>");
        html.Append(All(ItemKind.Session, "sessions", content.Upcoming.Count, GroupPageContent.UpcomingSessions));
        html.Append("</section>");

        html.Append("<section aria-labelledby=\"prompts\"><h2 id=\"prompts\">Latest prompts</h2>");
        html.Append(List(content.Prompts, Link, "No prompts yet. Questions and tasks for the group appear here; answer them from your fediverse account."));
        html.Append(All(ItemKind.Prompt, "prompts", content.Prompts.Count, GroupPageContent.LatestPrompts));
        html.Append("</section>");

        html.Append("<section aria-labelledby=\"posts\"><h2 id=\"posts\">Latest posts</h2>");
        html.Append(List(content.Posts, Link, "No posts yet. Announcements and discussion starters from the facilitators appear here."));
        html.Append(All(ItemKind.Post, "posts", content.Posts.Count, GroupPageContent.LatestPosts));
        html.Append("</section>");

        html.Append("<section aria-labelledby=\"library\"><h2 id=\"library\">Library</h2>");
        html.Append(List(content.Materials, Link, "The library is empty. Documents, links, slides and videos the group shares appear here, pinned ones first."));
        html.Append(All(ItemKind.Material, "materials", content.Materials.Count, GroupPageContent.LatestMaterials));
        html.Append("</section>");

        html.Append("<section aria-labelledby=\"past\"><h2 id=\"past\">Past sessions</h2>");
        html.Append(content.Past.Count == 0
            ? "<p class=\"muted\">No past sessions yet. After a session, its notes and recording are linked here.</p>"
            : "<ul class=\"items\">" + string.Concat(content.Past.Select(s => SessionLine(s, Link(s)))) + "</ul>");
        html.Append(All(ItemKind.Session, "sessions", content.Past.Count, GroupPageContent.LatestPast));
        html.Append("</section>");

        html.Append("<section aria-labelledby=\"subscribe\"><h2 id=\"subscribe\">Calendar and feed</h2>");
        html.Append($"<ul><li><a href=\"{E(urls.Base)}/groups/{E(group.Name)}/sessions.ics\">Sessions calendar (.ics)</a> <span class=\"muted\">for your calendar app; times stay in each session's zone</span></li>");
        html.Append($"<li><a href=\"{E(urls.Base)}/groups/{E(group.Name)}/feed.atom\">Atom feed</a> <span class=\"muted\">for your feed reader</span></li></ul>");
        html.Append("</section>");

        if (content.Upcoming.Count > 0) html.Append(ViewerTime.Script);
        return html.ToString();
    }

    private static string List(IReadOnlyList<GroupItem> items, Func<GroupItem, string> link, string empty) =>
        items.Count == 0
            ? $"<p class=\"muted\">{E(empty)}</p>"
            : "<ul class=\"items\">" + string.Concat(items.Select(i => ItemLine(i, link(i)))) + "</ul>";

    /// <summary>
    /// A prompt, post or material in a list: pinned badge, title (or the start of its text), date and state;
    /// <paramref name="encodedSuffix"/> (HTML) ends the line.
    /// </summary>
    internal static string ItemLine(GroupItem i, string encodedLink, string encodedSuffix = "") =>
        $"<li>{(i.Pinned ? "<span class=\"badge\">Pinned</span> " : "")}<a href=\"{encodedLink}\">{E(Title(i))}</a> <span class=\"muted\">{Meta(i)}</span>{encodedSuffix}</li>";

    /// <summary>A session in a list: title, its time in its own zone, and whether it was cancelled or has a recording or notes.</summary>
    internal static string SessionLine(GroupItem s, string encodedLink, string encodedSuffix = "") =>
        $"<li><a href=\"{encodedLink}\">{E(s.Title ?? "Session")}</a> <span class=\"muted\">{E(SessionTime.Summary(s.StartsAtLocal!.Value, s.EndsAtLocal!.Value, s.TimeZone!, null, null))}</span>"
        + (s.Cancelled ? " <strong>cancelled</strong>" : "")
        + (s.RecordingUrl is not null ? " · recording" : "") + (s.NotesHtml is { Length: > 0 } ? " · notes" : "") + encodedSuffix + "</li>";

    internal static string Title(GroupItem i) => i.Title is { Length: > 0 } t ? t : PlainText.FromHtml(i.ContentHtml, 90);

    private static string Meta(GroupItem i)
    {
        var date = i.PublishedAt is { } p ? $"<time datetime=\"{ViewerTime.Iso(p)}\">{p.ToString("d MMM yyyy", Inv)}</time>" : "";
        var extra = i.Kind switch
        {
            ItemKind.Prompt when i.ClosesAt is { } c => c < DateTime.UtcNow ? " · closed" : $" · open until {c.ToString("d MMM yyyy, HH:mm", Inv)} UTC",
            ItemKind.Prompt when i.ChoicesJson is not null => " · check-in",
            ItemKind.Material => StoredJson.ReadLinks(i.LinksJson).Count is var n and > 0 ? $" · {n} link{(n == 1 ? "" : "s")}" : "",
            _ => "",
        };
        return date + E(extra);
    }
}
