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
        app.MapGet("/u/{name}/notes/{id:long}", async (string name, long id, HttpContext http, FediLearnDbContext db, NoteService notes, ActorUrls urls, CancellationToken ct) =>
        {
            var note = await notes.FindAsync(name, id, ct);
            var author = note is null ? null : await db.LocalActors.AsNoTracking().FirstAsync(a => a.Id == note.AuthorId, ct);
            if (note is null || author is null)
                return Negotiation.WantsHtml(http.Request)
                    ? HtmlLayout.Result("Not found", "<h1>Not found</h1><p>There is nothing at this address on this node.</p>", status: 404)
                    : ErrorResponses.Json(404, "Not found");
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
                <div class="content">{note.ContentHtml}</div>
                </article>
                """;
            return HtmlLayout.Result($"Note by {author.DisplayName}", body, alternateJson: noteId);
        });
    }
}
