using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Api;

/// <summary>Bearer personal access tokens; only a group's facilitators may publish in it.</summary>
public static class ApiAuth
{
    public static async Task<(LocalActor? Person, IResult? Error)> PersonAsync(HttpContext http, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (null, Unauthorized(http, "An API token is required: Authorization: Bearer <token> (create one on /account/tokens or with the CLI verb tokens add <user>)."));
        var person = await http.RequestServices.GetRequiredService<TokenService>().AuthenticateAsync(header[7..].Trim(), ct);
        return person is null ? (null, Unauthorized(http, "The API token is not valid.")) : (person, null);
    }

    public static async Task<(LocalActor? Person, LocalActor? Group, IResult? Error)> FacilitatorAsync(HttpContext http, string groupName, CancellationToken ct)
    {
        var (person, error) = await PersonAsync(http, ct);
        if (error is not null) return (null, null, error);
        var db = http.RequestServices.GetRequiredService<FediLearnDbContext>();
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == groupName, ct);
        if (group is null) return (null, null, Problem(404, "No such group", $"There is no group named \"{groupName}\" on this node."));
        if (!await http.RequestServices.GetRequiredService<TokenService>().IsFacilitatorAsync(person!, group, ct))
            return (null, null, Problem(403, "Not a facilitator", $"Only facilitators of {groupName} may do this."));
        return (person, group, null);
    }

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);

    public static IResult Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value), title: "The input is not valid", detail: "See errors: each names the field.");

    private static IResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem(401, "Authentication required", detail);
    }
}
