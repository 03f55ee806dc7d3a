using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Core.Data;
using FediLearn.Core.Services;

namespace FediLearn.Web.Api;

/// <summary>Moderation for facilitators: remove a reply, ban and unban actors, read the log and the reports.</summary>
public static class ModerationApiEndpoints
{
    public sealed record RemoveRequest(string? Reply, string? Reason);

    public sealed record BanRequest(string? Actor, string? Reason);

    public sealed record ReportRequest(string? Object, string? Comment);

    public static void MapModerationApiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/groups/{name}");
        api.MapPost("/moderation/remove", async (string name, RemoveRequest body, HttpContext http, ModerationService moderation, CancellationToken ct) =>
        {
            var (person, _, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body.Reply)) return Missing("reply", "The id (URL) of the reply to remove.");
            return await RunAsync(() => moderation.RemoveReplyAsync(name, body.Reply, person, body.Reason, ct));
        });
        api.MapPost("/moderation/report", async (string name, ReportRequest body, HttpContext http, ModerationService moderation, CancellationToken ct) =>
        {
            var (person, _, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body.Object)) return Missing("object", "The id (URL) of the reply to report.");
            try
            {
                await moderation.ReportRemoteAsync(name, body.Object.Trim(), person, body.Comment, ct);
                return Results.Accepted();
            }
            catch (FediLearnException e) { return ApiAuth.Problem(409, "Not done", e.Message); }
        });
        api.MapPost("/bans", async (string name, BanRequest body, HttpContext http, ModerationService moderation, CancellationToken ct) =>
        {
            var (person, _, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            var actor = body.Actor?.Trim();
            if (string.IsNullOrEmpty(actor)) return Missing("actor", "The actor id (URL) to ban.");
            if (!ModerationService.IsActorId(actor)) return Missing("actor", "An actor id is an http or https URL, e.g. https://example.social/users/mia.");
            if (IriLength.IsTooLong(actor)) return Missing("actor", $"An actor id is at most {IriLength.MaxBytes} bytes long.");
            return await RunAsync(() => moderation.BanAsync(name, actor, person, body.Reason, ct));
        });
        api.MapDelete("/bans", async (string name, string? actor, HttpContext http, ModerationService moderation, CancellationToken ct) =>
        {
            var (person, _, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(actor)) return Missing("actor", "Give ?actor=<actor id>.");
            return await RunAsync(() => moderation.UnbanAsync(name, actor, person, ct));
        });
        api.MapGet("/moderation", async (string name, HttpContext http, ModerationService moderation, CancellationToken ct) =>
        {
            var (_, _, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            var log = await moderation.LogAsync(name, ct);
            var reports = await moderation.ReportsAsync(name, ct);
            return Results.Json(new
            {
                log = log.Select(e => new { at = Utc(e.At), action = e.Action, target = e.Target, reason = e.Reason, moderator = e.Moderator }),
                reports = reports.Select(r => new { at = Utc(r.CreatedAt), reporter = r.ReporterUri, objects = ModerationService.ReportObjects(r), content = r.Content }),
            }, ItemApiEndpoints.Json);
        });
    }

    private static async Task<IResult> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return Results.NoContent();
        }
        catch (FediLearnException e) { return ApiAuth.Problem(409, "Not done", e.Message); }
    }

    private static IResult Missing(string field, string message) => ApiAuth.Invalid(new Dictionary<string, string[]> { [field] = [message] });

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
