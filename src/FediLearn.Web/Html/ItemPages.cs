using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>The page of a prompt, post, material or session. Content HTML is already sanitized at write time.</summary>
public static class ItemPages
{
    public static IResult Item(GroupItem item, LocalActor group, ObjectContext context, ActorUrls urls)
    {
        var id = urls.Item(group.Name, item.Kind, item.Id);
        var kind = item.Kind switch
        {
            ItemKind.Prompt => item.ChoicesJson is null ? "Prompt" : "Check-in",
            ItemKind.Post => "Post",
            ItemKind.Material => "Material",
            _ => "Session",
        };
        var body = new StringBuilder();
        body.Append($"<p class=\"muted\">{kind} in <a href=\"{E(urls.Actor(group))}\">{E(group.DisplayName)}</a> <span class=\"handle\">{E(urls.Handle(group))}</span></p>");
        body.Append($"<h1>{E(item.Title ?? kind)}</h1>");
        if (item.Kind == ItemKind.Session) body.Append(SessionBlock(item, id));
        body.Append($"<div class=\"card\">{item.ContentHtml}</div>");
        foreach (var choice in GroupObjectRenderer.Strings(item.ChoicesJson))
            body.Append($"<p>☐ {E(choice)}</p>");
        if (item.ClosesAt is { } closes) body.Append($"<p class=\"muted\">Closes {E(closes.ToString("ddd d MMMM yyyy, HH:mm"))} UTC</p>");
        if (context.Media.Count > 0 || item.LinksJson is not null)
        {
            body.Append("<h2>Files and links</h2><ul>");
            foreach (var m in context.Media) body.Append($"<li><a href=\"{E(urls.Media(m.Key))}\">{E(m.Description ?? m.FileName)}</a> <span class=\"muted\">({E(m.ContentType)})</span></li>");
            foreach (var l in GroupObjectRenderer.Links(item.LinksJson)) body.Append($"<li><a href=\"{E(l.Url)}\" rel=\"nofollow noopener\">{E(l.Title ?? l.Url)}</a></li>");
            body.Append("</ul>");
        }
        if (item.NotesHtml is { Length: > 0 } notes) body.Append($"<h2>Notes</h2><div class=\"card\">{notes}</div>");
        var published = item.PublishedAt is { } p ? $"Published {p:ddd d MMMM yyyy, HH:mm} UTC" : "";
        var edited = item.EditedAt is { } e ? $" · edited {e:d MMMM yyyy, HH:mm} UTC" : "";
        body.Append($"<p class=\"muted\">{E(published + edited)}</p>");
        body.Append($"""
            <section class="card"><h2>Reply from your fediverse account</h2>
            <p>Paste <code>{E(id)}</code> into the search box of Mastodon (or any fediverse app), then reply: your answer reaches the group.</p></section>
            """);
        return Result($"{item.Title ?? kind} · {group.DisplayName}", body.ToString(), id);
    }

    private static string SessionBlock(GroupItem item, string id)
    {
        var start = item.StartsAtLocal!.Value;
        var end = item.EndsAtLocal!.Value;
        var zone = item.TimeZone!;
        var startInstant = SessionTime.ToInstant(start, zone);
        var sb = new StringBuilder("<div class=\"card\">");
        if (item.Cancelled) sb.Append("<p><strong>This session is cancelled.</strong></p>");
        sb.Append($"<p><strong>{E(SessionTime.Summary(start, end, zone, null, null))}</strong></p>");
        // The viewer's own time, without JavaScript: the UTC instant, which every reader can convert; the .ics does it for calendars.
        sb.Append($"<p class=\"muted\">Starts at <time datetime=\"{startInstant.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\">{startInstant.UtcDateTime:HH:mm} UTC</time></p>");
        if (item.JoinUrl is { } join) sb.Append($"<p>Join: <a href=\"{E(join)}\" rel=\"nofollow noopener\">{E(join)}</a></p>");
        if (item.Place is { } place) sb.Append($"<p>Place: {E(place)}</p>");
        if (item.Capacity is { } cap) sb.Append($"<p class=\"muted\">Up to {cap} participants{(item.RequireApproval ? ", facilitators approve each one" : "")}.</p>");
        if (item.RecordingUrl is { } rec) sb.Append($"<p>Recording: <a href=\"{E(rec)}\" rel=\"nofollow noopener\">{E(rec)}</a></p>");
        sb.Append($"<p><a href=\"{E(id)}.ics\">Add to calendar (.ics)</a></p></div>");
        return sb.ToString();
    }
}
