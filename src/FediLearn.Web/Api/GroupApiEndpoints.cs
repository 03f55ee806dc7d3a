using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;

namespace FediLearn.Web.Api;

/// <summary>A group's settings, changed by its facilitators.</summary>
public static class GroupApiEndpoints
{
    public sealed record GroupSettingsRequest(string? PostingPolicy);

    public static void MapGroupApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPatch("/api/groups/{name}", async (string name, GroupSettingsRequest body, HttpContext http, GroupService groups, TimeProvider time, CancellationToken ct) =>
        {
            var (_, group, error) = await ApiAuth.FacilitatorAsync(http, name, ct);
            if (error is not null) return error;
            if (body.PostingPolicy is not null && GroupService.ParsePostingPolicy(body.PostingPolicy) is null)
                return ApiAuth.Invalid(new Dictionary<string, string[]> { ["postingPolicy"] = ["One of open, participants, facilitators."] });
            PostingPolicy policy;
            try { policy = body.PostingPolicy is null ? group!.PostingPolicy : await groups.SetPostingPolicyAsync(name, body.PostingPolicy, ct); }
            catch (FediLearnException e) { return ApiAuth.Invalid(new Dictionary<string, string[]> { ["postingPolicy"] = [e.Message] }); } // e.g. open on a members-only group
            // An archived group takes replies from its facilitators only, whatever its setting (kept for when it is
            // unarchived): the answer says both, so a client does not promise what is not in force.
            var inForce = group!.IsArchivedAt(time.GetUtcNow()) ? PostingPolicy.Facilitators : policy;
            return Results.Json(new { name, postingPolicy = policy.ToString().ToLowerInvariant(), postingPolicyInForce = inForce.ToString().ToLowerInvariant() },
                ItemApiEndpoints.Json);
        });
    }
}
