using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Endpoints;

/// <summary>A member's note at its id: JSON for ActivityPub clients (a group relaying it is checked by fetching it), a page for people.</summary>
public static class NoteEndpoints
{
    public static void MapNoteEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/u/{name}/notes/{id:long}", async (string name, long id, HttpContext http, FediLearnDbContext db, NoteService notes, ThreadReader threads, ActorUrls urls, CancellationToken ct) =>
        {
            var note = await notes.FindAsync(name, id, ct);
            var author = note is null ? null : await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == note.AuthorId, ct);
            if (note is null || author is null)
                return Negotiation.WantsHtml(http.Request)
                    ? HtmlLayout.NotFound("There is nothing at this address on this node.")
                    : ErrorResponses.Json(404, "Not found");
            // A note in a members-only group's thread is read as the group's own content is.
            if (notes.MembersOnlyGroup(note.GroupUri) is { } closed && await MembersOnlyAccess.CheckAsync(http, closed, ct) is { } denied) return denied;
            http.Response.Headers.Vary = "Accept";
            var noteId = urls.Note(author.Name, note.Id);
            if (note.DeletedAt is not null)
            {
                if (!Negotiation.WantsActivityJson(http.Request))
                    return HtmlLayout.Result("Deleted", "<h1>Deleted</h1><p>The author deleted this note.</p>", status: 410);
                var tombstone = new Newtonsoft.Json.Linq.JObject
                {
                    ["@context"] = JsonLdContexts.Activity(), ["id"] = noteId, ["type"] = "Tombstone",
                    ["deleted"] = DateTime.SpecifyKind(note.DeletedAt.Value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                };
                return Results.Text(tombstone.ToString(Newtonsoft.Json.Formatting.None), Negotiation.ActivityJson, System.Text.Encoding.UTF8, StatusCodes.Status410Gone);
            }
            if (Negotiation.WantsActivityJson(http.Request)) return Negotiation.ActivityResult(notes.Render(note, author), http);
            var e = HtmlLayout.E;
            var body = $"""
                <article class="note">
                <p class="byline"><a href="{e(urls.Actor(author))}">{e(author.DisplayName)}</a> <span class="handle">{e(urls.Handle(author))}</span>
                · <time datetime="{DateTime.SpecifyKind(note.PublishedAt, DateTimeKind.Utc):yyyy-MM-ddTHH:mm:ssZ}">{note.PublishedAt:yyyy-MM-dd HH:mm} UTC</time></p>
                {(note.InReplyTo is { } parent ? $"<p class=\"context\">In reply to <a href=\"{e(parent)}\">{e(parent)}</a></p>" : "")}
                <div class="content">{HtmlLayout.Stored(note.ContentHtml)}</div>
                </article>
                """;
            // The whole discussion it belongs to, as this node knows it: the group's object first, then every answer.
            var top = await threads.FindTopAsync(noteId, ct);
            IReadOnlyList<ThreadEntry>? thread = null;
            try { if (top != noteId) thread = await threads.ReadAsync(top, ct, author); }
            catch (FediLearnException) { } // a members-only thread the note's author does not facilitate: the note alone
            if (thread is { Count: > 0 })
                body += ThreadHtml(thread, noteId, await HandlesAsync(db, urls, thread, ct));
            return HtmlLayout.Result($"Note by {author.DisplayName}", body, alternateJson: noteId);
        });
    }

    private static async Task<Dictionary<string, string>> HandlesAsync(FediLearnDbContext db, ActorUrls urls, IReadOnlyList<ThreadEntry> thread, CancellationToken ct)
    {
        var authors = thread.Select(e => e.AttributedTo).OfType<string>().Distinct().ToList();
        var known = await db.RemoteActors.AsNoTracking().Where(a => authors.Contains(a.Uri) && a.Username != null)
            .Select(a => new { a.Uri, a.Username, a.Host }).ToListAsync(ct);
        var handles = known.ToDictionary(a => a.Uri, a => $"@{a.Username}@{a.Host}");
        foreach (var author in authors)
            if (urls.Parse(author) is { } local) handles[author] = $"@{local.Name}@{urls.Authority}";
        return handles;
    }

    private static string ThreadHtml(IReadOnlyList<ThreadEntry> thread, string current, IReadOnlyDictionary<string, string> handles)
    {
        var e = HtmlLayout.E;
        var sb = new System.Text.StringBuilder($"<h2>The whole thread ({thread.Count})</h2>");
        foreach (var entry in thread)
        {
            var who = entry.AttributedTo is { } a ? handles.GetValueOrDefault(a, a) : "unknown";
            var server = entry.AttributedTo is { } u && Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.Authority : "";
            sb.Append($"<article class=\"card{(entry.Id == current ? " current" : "")}\"><p class=\"muted\"><a href=\"{e(entry.AttributedTo)}\" rel=\"nofollow noopener\">{e(who)}</a> · {e(server)} · ");
            sb.Append($"<a href=\"{e(entry.Id)}\" rel=\"nofollow noopener\"><time datetime=\"{entry.Published:yyyy-MM-ddTHH:mm:ssZ}\">{entry.Published:d MMM yyyy, HH:mm} UTC</time></a></p>{HtmlLayout.Stored(entry.ContentHtml)}</article>");
        }
        return sb.ToString();
    }
}

