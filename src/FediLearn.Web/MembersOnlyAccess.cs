using System.Security.Claims;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web;

/// <summary>
/// Who may read a members-only group's content (a private cohort; issue 6 item 3). ActivityPub: a request signed by a
/// server where one of the group's approved participants lives, as Lemmy gates private communities (the server fetches
/// for its users; it only shows the content to those who follow the group). People: the group's facilitators and the
/// node's admins, logged in. Everyone else gets 403, never 404 or 410: the content exists, and Mastodon deletes what
/// answers 404/410.
/// </summary>
public static class MembersOnlyAccess
{
    /// <summary>Null when the request may read <paramref name="group"/>'s content; otherwise the 403 to answer.</summary>
    public static async Task<IResult?> CheckAsync(HttpContext http, LocalActor group, CancellationToken ct)
    {
        if (!group.MembersOnly) return null;
        PrivateAnswer(http);
        // An ActivityPub GET: it asks for ActivityPub JSON, or it is a signed GET of a route that answers nothing else
        // (collections, activities: Negotiation.ActivityJsonOnly), where a server may leave the Accept out.
        if (Negotiation.WantsActivityJson(http.Request)
            || (Negotiation.AnswersActivityJson(http) && AuthorizedFetch.IsSigned(http.Request)))
        {
            var signer = await AuthorizedFetch.VerifiedSignerAsync(http);
            if (signer is null)
                return ErrorResponses.Json(403, $"{group.Name} is members-only: sign the request with the key of a server where one of its participants has an account");
            return await IsParticipantServerAsync(http.RequestServices.GetRequiredService<FediLearnDbContext>(), group, signer.Host, ct)
                ? null
                : ErrorResponses.Json(403, $"{group.Name} is members-only and none of its participants is on {signer.Host}");
        }
        if (await MayReadPagesAsync(http, group, ct)) return null;
        // Feeds and calendars have no login: a feed reader gets a plain error, a browser the page.
        return Negotiation.WantsHtml(http.Request)
            ? Forbidden(http, group, http.RequestServices.GetRequiredService<ActorUrls>())
            : ErrorResponses.Json(403, $"{group.Name} is members-only: its feeds are not public");
    }

    /// <summary>
    /// The answer depends on who asks: no cache may keep it, or hand one reader's answer to another. Set when the
    /// response starts, so that the endpoint's own <c>Vary: Accept</c> does not replace it.
    /// </summary>
    public static void PrivateAnswer(HttpContext http) => http.Response.OnStarting(() =>
    {
        http.Response.Headers.Vary = "Accept, Signature, Signature-Input, Cookie";
        http.Response.Headers.CacheControl = "private, no-store";
        return Task.CompletedTask;
    });

    /// <summary>Facilitators of the group and admins of the node, logged in.</summary>
    public static async Task<bool> MayReadPagesAsync(HttpContext http, LocalActor group, CancellationToken ct)
    {
        if (!group.MembersOnly) return true;
        if (http.User.Identity?.IsAuthenticated != true) return false;
        if (http.User.IsInRole(UserService.AdminRole)) return true;
        var userId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return false;
        var db = http.RequestServices.GetRequiredService<FediLearnDbContext>();
        return await db.GroupFacilitators.AnyAsync(f => f.GroupId == group.Id
            && db.LocalActors.Any(p => p.Id == f.PersonId && p.Kind == ActorKind.Person && p.UserId == userId), ct);
    }

    /// <summary>An approved follower of the group has an account on <paramref name="host"/>.</summary>
    public static Task<bool> IsParticipantServerAsync(FediLearnDbContext db, LocalActor group, string host, CancellationToken ct) =>
        db.Followers.AnyAsync(f => f.LocalActorId == group.Id && f.State == FollowState.Accepted && f.RemoteActor!.Host == host, ct);

    /// <summary>The page a browser gets instead: what the cohort is and how to ask to join, with none of its content.</summary>
    public static IResult Forbidden(HttpContext http, LocalActor group, ActorUrls urls)
    {
        var login = $"/login?ReturnUrl={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}";
        var body = $"""
            <p class="muted">Members-only learning group</p>
            <h1>{HtmlLayout.E(group.DisplayName)}</h1>
            <p class="handle">{HtmlLayout.E(urls.Handle(group))}</p>
            <p class="notice">This cohort's prompts, posts, materials and sessions are for its participants only.
            Participants read them in their own fediverse app; facilitators can <a href="{HtmlLayout.E(login)}">log in</a> to see them here.</p>
            <p><a href="{HtmlLayout.E(urls.Actor(group))}">Ask to join {HtmlLayout.E(group.DisplayName)}</a></p>
            """;
        return HtmlLayout.Result($"Members only: {group.DisplayName}", body, status: 403);
    }
}
