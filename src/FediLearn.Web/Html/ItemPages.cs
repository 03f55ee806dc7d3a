using FediLearn.Core.Data;
using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>The page of a prompt, post, material or session. Content HTML is already sanitized at write time.</summary>
public static class ItemPages
{
    /// <summary>Replies on one page of an item's discussion.</summary>
    public const int RepliesPerPage = 100;

    /// <param name="related">A session's reflection prompts, or a reflection prompt's session (published, not deleted).</param>
    /// <returns>The whole page: the same for every visitor allowed to see it (the thread page cache keeps it).</returns>
    public static string ItemHtml(GroupItem item, LocalActor group, ObjectContext context, ActorUrls urls, ThreadPage thread, int likes,
        IReadOnlyList<GroupItem>? related = null)
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
        if (related is { Count: > 0 } && item.Kind == ItemKind.Session)
            body.Append("<h2>Reflection prompts</h2><ul>" + string.Concat(related.Select(r =>
                $"<li><a href=\"{E(urls.Item(group.Name, r.Kind, r.Id))}\">{E(GroupPage.Title(r))}</a></li>")) + "</ul>");
        if (related is [var session] && item.Kind == ItemKind.Prompt)
            body.Append($"<p class=\"muted\">A reflection on the session <a href=\"{E(urls.Item(group.Name, session.Kind, session.Id))}\">{E(session.Title ?? "Session")}</a></p>");
        if (!string.IsNullOrWhiteSpace(item.ContentHtml)) body.Append($"<div class=\"card\">{Stored(item.ContentHtml)}</div>");
        foreach (var choice in StoredJson.ReadStrings(item.ChoicesJson))
            body.Append($"<p>☐ {E(choice)}</p>");
        if (item.ClosesAt is { } closes) body.Append($"<p class=\"muted\">Closes {E(closes.ToString("ddd d MMMM yyyy, HH:mm"))} UTC</p>");
        if (context.Media.Count > 0 || item.LinksJson is not null)
        {
            body.Append("<h2>Files and links</h2><ul>");
            foreach (var m in context.Media) body.Append($"<li><a href=\"{E(urls.Media(m.Key))}\">{E(m.Description ?? m.FileName)}</a> <span class=\"muted\">({E(m.ContentType)})</span></li>");
            foreach (var l in StoredJson.ReadLinks(item.LinksJson)) body.Append($"<li><a href=\"{E(l.Url)}\" rel=\"nofollow noopener\">{E(l.Title ?? l.Url)}</a></li>");
            body.Append("</ul>");
        }
        if (item.NotesHtml is { Length: > 0 } notes) body.Append($"<h2>Notes</h2><div class=\"card\">{Stored(notes)}</div>");
        var published = item.PublishedAt is { } p ? $"Published {p:ddd d MMMM yyyy, HH:mm} UTC" : "";
        var edited = item.EditedAt is { } e ? $" · edited {e:d MMMM yyyy, HH:mm} UTC" : "";
        body.Append($"<p class=\"muted\">{E(published + edited)}{(likes > 0 ? $" · {likes} like{(likes == 1 ? "" : "s")}" : "")}</p>");
        body.Append(Thread(thread, id));
        body.Append($"""
            <section class="card"><h2>Reply from your fediverse account</h2>
            <p>Paste <code>{E(id)}</code> into the search box of Mastodon (or any fediverse app), then reply: your answer reaches the group.</p></section>
            """);
        return Page($"{item.Title ?? kind} · {group.DisplayName}", body.ToString(), id);
    }

    private static string SessionBlock(GroupItem item, string id)
    {
        var sb = new StringBuilder("<div class=\"card\">");
        if (item.Cancelled) sb.Append("<p><strong>This session is cancelled.</strong></p>");
        // The session's own zone first; the UTC instants below it are what ViewerTime.Script turns into the viewer's time.
        sb.Append($"<p>{ViewerTime.Session(item)}</p>");
        if (item.JoinUrl is { } join) sb.Append($"<p>Join: <a href=\"{E(join)}\" rel=\"nofollow noopener\">{E(join)}</a></p>");
        if (item.Place is { } place) sb.Append($"<p>Place: {E(place)}</p>");
        if (item.Capacity is { } cap) sb.Append($"<p class=\"muted\">Up to {cap} participants{(item.RequireApproval ? ", facilitators approve each one" : "")}.</p>");
        if (item.RecordingUrl is { } rec) sb.Append($"<p>Recording: <a href=\"{E(rec)}\" rel=\"nofollow noopener\">{E(rec)}</a></p>");
        sb.Append($"<p><a href=\"{E(id)}.ics\">Add to calendar (.ics)</a></p></div>");
        sb.Append(ViewerTime.Script);
        return sb.ToString();
    }

    /// <summary>
    /// One page of the discussion, from every server: who (and where they are), when, and what (sanitized when received).
    /// The heading counts every reply; links lead to the earlier and later pages.
    /// </summary>
    private static string Thread(ThreadPage thread, string id)
    {
        if (thread.Total == 0)
            return "<h2>Discussion</h2><p class=\"muted\">No replies yet. Replies from any fediverse server appear here and reach every follower of the group.</p>";
        var sb = new StringBuilder($"<h2 id=\"discussion\">Discussion ({thread.Total})</h2>");
        if (thread.Pages > 1)
        {
            var first = (thread.Page - 1) * RepliesPerPage + 1;
            sb.Append($"<p class=\"muted\">Replies {first}–{first + thread.Replies.Count - 1} of {thread.Total}, oldest first; page {thread.Page} of {thread.Pages}.</p>");
        }
        var onPage = thread.Replies.Select(r => r.Uri).ToHashSet();
        static string Who(Reply r) => r.AuthorName is { } name ? "@" + name : r.AuthorUri;
        foreach (var reply in thread.Replies)
        {
            sb.Append($"<article class=\"card reply\" id=\"reply-{reply.Id}\"><p class=\"muted\"><a href=\"{E(reply.AuthorUri)}\" rel=\"nofollow noopener\">{E(Who(reply))}</a> · {E(reply.AuthorHost)} · ");
            sb.Append($"<a href=\"{E(reply.Uri)}\" rel=\"nofollow noopener\"><time datetime=\"{reply.PublishedAt:yyyy-MM-ddTHH:mm:ssZ}\">{reply.PublishedAt:d MMM yyyy, HH:mm} UTC</time></a>");
            if (reply.UpdatedAt is not null) sb.Append(" · edited");
            // An answer to another reply says whose: the thread is listed flat, oldest first, across pages.
            if (reply.InReplyTo is { } to && thread.Parents.TryGetValue(to, out var parent))
            {
                var link = onPage.Contains(parent.Uri) ? $"#reply-{parent.Id}" : parent.Uri;
                sb.Append($" · in reply to <a class=\"parent\" href=\"{E(link)}\">{E(Who(parent))}</a>");
            }
            sb.Append($"</p>{Stored(reply.ContentHtml)}</article>");
        }
        if (thread.Pages > 1)
        {
            sb.Append("<nav aria-label=\"Pages of the discussion\"><p>");
            if (thread.Page > 1)
                sb.Append($"<a href=\"{E(Paging.Link(id, thread.Page - 1))}#discussion\" rel=\"prev\">Earlier replies</a> ");
            if (thread.Page < thread.Pages)
                sb.Append($"<a href=\"{E(Paging.Link(id, thread.Page + 1))}#discussion\" rel=\"next\">Later replies</a>");
            sb.Append("</p></nav>");
        }
        return sb.ToString();
    }
}

/// <summary>
/// One page of an item's discussion: its replies, every reply's count, which page and how many, and the replies in the
/// thread that those answer, by id (on this page or not).
/// </summary>
public sealed record ThreadPage(IReadOnlyList<Reply> Replies, int Total, int Page, int Pages, IReadOnlyDictionary<string, Reply> Parents);
