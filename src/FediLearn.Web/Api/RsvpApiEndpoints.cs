using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Api;

/// <summary>Attendance: facilitators list who comes, approve or refuse pending attendees and remind them; any local member answers for themselves.</summary>
public static class RsvpApiEndpoints
{
    public sealed record RsvpRequest(string? Status);

    public sealed record DecisionRequest(string? Actor);

    public sealed record ReminderRequest(string? Message);

    public static void MapRsvpApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/groups/{name}/sessions/{id:long}/attendees", async (string name, long id, HttpContext http, FediLearnDbContext db, RsvpService rsvps, CancellationToken ct) =>
        {
            var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (!await db.GroupItems.AnyAsync(i => i.Id == id && i.GroupId == group!.Id && i.Kind == ItemKind.Session && i.DeletedAt == null, ct))
                return ApiAuth.Problem(404, "Not found", $"This group has no session {id}.");
            var attendees = await rsvps.AttendeesAsync(id, ct);
            return Results.Json(new
            {
                going = attendees.Count(a => a.Status == RsvpStatus.Yes),
                attendees = attendees.Select(a => new { actor = a.ActorUri, status = a.Status.ToString().ToLowerInvariant(), since = new DateTimeOffset(DateTime.SpecifyKind(a.Since, DateTimeKind.Utc)) }),
            }, ItemApiEndpoints.Json);
        });

        app.MapPost("/api/groups/{name}/sessions/{id:long}/rsvp", async (string name, long id, RsvpRequest body, HttpContext http, FediLearnDbContext db, RsvpService rsvps, ActorUrls urls, CancellationToken ct) =>
        {
            var (person, error) = await ApiAuth.PersonAsync(http, ct);
            if (error is not null) return error;
            if (body.Status is not (null or "yes" or "maybe" or "no"))
                return ApiAuth.Invalid(new Dictionary<string, string[]> { ["status"] = ["One of yes, maybe, no (or null to withdraw)."] });
            RsvpStatus? status = body.Status switch { "yes" => RsvpStatus.Yes, "maybe" => RsvpStatus.Maybe, "no" => RsvpStatus.No, _ => null };
            var found = await rsvps.FindSessionAsync(urls.Item(name, ItemKind.Session, id), ct);
            if (found is null) return ApiAuth.Problem(404, "Not found", $"There is no session {id} in {name}.");
            // The rules a Join from another server meets: a member banned from the group, or not a participant of a
            // members-only one, may not come (nor get the reminder with the join link); nobody comes to a cancelled session.
            if (status is RsvpStatus.Yes or RsvpStatus.Maybe && await rsvps.RefusalAsync(found.Value.Session, found.Value.Group, urls.Actor(person!), ct) is { } refusal)
                return ApiAuth.Problem(found.Value.Session.Cancelled ? 409 : 403, found.Value.Session.Cancelled ? "Not possible" : "Forbidden", refusal);
            try
            {
                // A session that needs approval: the answer waits for a facilitator (202, pending), as a Join does.
                var recorded = await rsvps.MemberAnswerAsync(found.Value.Session, found.Value.Group, urls.Actor(person!), status, ct);
                return recorded == RsvpStatus.Pending && status != RsvpStatus.Pending
                    ? Results.Json(new { status = "pending" }, ItemApiEndpoints.Json, statusCode: 202)
                    : Results.NoContent();
            }
            catch (FediLearnException e) { return ApiAuth.Problem(409, "Not possible", e.Message); }
        });

        app.MapPost("/api/groups/{name}/sessions/{id:long}/attendees/{decision:oneof(approve|reject)}",
            async (string name, long id, string decision, DecisionRequest body, HttpContext http, RsvpService rsvps, ActorUrls urls, CancellationToken ct) =>
        {
            var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body.Actor))
                return ApiAuth.Invalid(new Dictionary<string, string[]> { ["actor"] = ["The attendee's actor id (URL), as listed by GET …/attendees."] });
            var found = await rsvps.FindSessionAsync(urls.Item(group!.Name, ItemKind.Session, id), ct);
            if (found is null) return ApiAuth.Problem(404, "Not found", $"There is no session {id} in {name}.");
            // A refusal sends Reject{Join} and cannot be taken back: only the exact word "reject" refuses (the route
            // admits nothing else).
            var approve = decision switch
            {
                "approve" => true,
                "reject" => false,
                _ => throw new System.Diagnostics.UnreachableException($"No decision {decision}"),
            };
            try
            {
                await rsvps.DecideAsync(found.Value.Session, found.Value.Group, body.Actor.Trim(), approve, ct);
            }
            catch (FediLearnException e) { return ApiAuth.Problem(409, "Not possible", e.Message); }
            return Results.NoContent();
        });

        app.MapPost("/api/groups/{name}/sessions/{id:long}/reminders",
            async (string name, long id, ReminderRequest? body, HttpContext http, RsvpService rsvps, ActorUrls urls, CancellationToken ct) =>
        {
            var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            var found = await rsvps.FindSessionAsync(urls.Item(group!.Name, ItemKind.Session, id), ct);
            if (found is null) return ApiAuth.Problem(404, "Not found", $"There is no session {id} in {name}.");
            try
            {
                var count = await rsvps.RemindAsync(found.Value.Session, found.Value.Group, body?.Message, ct);
                return Results.Json(new { attendees = count }, ItemApiEndpoints.Json, statusCode: 202);
            }
            catch (FediLearnException e) { return ApiAuth.Problem(409, "Not possible", e.Message); }
        });
    }
}
