using FediLearn.Core.Federation;
using FediLearn.Core.Services;

namespace FediLearn.Web.Api;

/// <summary>Members take part in discussions from their own node: write a note (a reply in a group's thread), delete it, read a thread.</summary>
public static class NoteApiEndpoints
{
    public sealed record NoteRequest(string? Content, string? InReplyTo, string? Group);

    public static void MapNoteApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/notes", async (NoteRequest body, HttpContext http, NoteService notes, ActorUrls urls, CancellationToken ct) =>
        {
            var (person, error) = await ApiAuth.PersonAsync(http, ct);
            if (error is not null) return error;
            try
            {
                var note = await notes.CreateAsync(person!, new NoteInput(body.Content, body.InReplyTo, body.Group), ct);
                var id = urls.Note(person!.Name, note.Id);
                return Results.Json(new { id, inReplyTo = note.InReplyTo, group = note.GroupUri, published = new DateTimeOffset(DateTime.SpecifyKind(note.PublishedAt, DateTimeKind.Utc)) },
                    ItemApiEndpoints.Json, statusCode: StatusCodes.Status201Created);
            }
            catch (ItemValidationException e) { return ApiAuth.Invalid(e.Errors); }
            catch (FediLearnException e) { return ApiAuth.Problem(422, "Not possible", e.Message); }
        });

        app.MapDelete("/api/notes/{id:long}", async (long id, HttpContext http, NoteService notes, CancellationToken ct) =>
        {
            var (person, error) = await ApiAuth.PersonAsync(http, ct);
            if (error is not null) return error;
            try
            {
                await notes.DeleteAsync(person!, id, ct);
            }
            catch (FediLearnException e) { return ApiAuth.Problem(404, "Not found", e.Message); }
            return Results.NoContent();
        });

        app.MapGet("/api/thread", async (string? @object, HttpContext http, ThreadReader reader, CancellationToken ct) =>
        {
            var (person, error) = await ApiAuth.PersonAsync(http, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(@object))
                return ApiAuth.Invalid(new Dictionary<string, string[]> { ["object"] = ["The id of the thread's top object."] });
            // Ids are compared exactly: a padded one (" https://…") would miss a thread that exists.
            @object = @object.Trim();
            IReadOnlyList<ThreadEntry>? entries;
            try { entries = await reader.ReadAsync(@object, ct, person); }
            catch (FediLearnException e) { return ApiAuth.Problem(403, "Forbidden", e.Message); }
            if (entries is null) return ApiAuth.Problem(404, "Not found", $"This node knows no thread starting at {@object}.");
            return Results.Json(new
            {
                @object,
                items = entries.Select(e => new
                {
                    id = e.Id, type = e.Type, attributedTo = e.AttributedTo, inReplyTo = e.InReplyTo,
                    published = new DateTimeOffset(DateTime.SpecifyKind(e.Published, DateTimeKind.Utc)), content = e.ContentHtml,
                }),
            }, ItemApiEndpoints.Json);
        });
    }
}
