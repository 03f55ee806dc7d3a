using System.Globalization;
using System.Security.Claims;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// Base of every page under /workspace/{group}: before any handler runs (GET or POST), it loads the group and lets in
/// only its facilitators and node admins. The folder convention already sends a logged-out visitor to /login; anyone
/// else gets the 403 page, an unknown group 404.
/// </summary>
public abstract class GroupPageModel : PageModel
{
    public LocalActor Group { get; private set; } = null!;

    /// <summary>The signed-in account's Person actor (the moderator or author of what they do here).</summary>
    public LocalActor? Person { get; private set; }

    public string GroupHandle { get; private set; } = "";
    public string GroupUrl { get; private set; } = "";
    public string Base => $"/workspace/{Group.Name}";

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var services = HttpContext.RequestServices;
        var ct = HttpContext.RequestAborted;
        var name = RouteData.Values["group"] as string ?? "";
        var db = services.GetRequiredService<FediLearnDbContext>();
        Person = await services.GetRequiredService<UserService>().PersonOfAsync(User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", ct);
        var group = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Group && a.Name == name, ct);
        var admin = User.IsInRole(UserService.AdminRole);
        if (group is null)
        {
            context.Result = admin ? NotFound() : Forbid(); // only admins learn which groups exist
            return;
        }
        if (!admin && (Person is null || !await services.GetRequiredService<TokenService>().IsFacilitatorAsync(Person, group, ct)))
        {
            context.Result = Forbid();
            return;
        }
        Group = group;
        var urls = services.GetRequiredService<ActorUrls>();
        GroupHandle = urls.Handle(group);
        GroupUrl = urls.Actor(group);
        if (await FindTargetAsync(ct) is { } result)
        {
            context.Result = result;
            return;
        }
        await next();
    }

    /// <summary>
    /// Runs after the access check and before any handler: a page about one item loads it here and answers with a result
    /// (404) when the id is not one of this group's, so no handler has to remember to.
    /// </summary>
    protected virtual Task<IActionResult?> FindTargetAsync(CancellationToken ct) => Task.FromResult<IActionResult?>(null);

    /// <summary>One of this group's items that is not deleted (tracked, for editing), or null.</summary>
    protected Task<GroupItem?> LiveItemAsync(FediLearnDbContext db, long id, CancellationToken ct) =>
        db.GroupItems.FirstOrDefaultAsync(i => i.Id == id && i.GroupId == Group.Id && i.DeletedAt == null, ct);

    /// <summary>This request's page of a paged list (<see cref="Paging.PageIn"/>).</summary>
    protected int QueryPage(int last = 10_000) => Paging.PageIn(Request, last);

    /// <summary>A stored UTC time, always with its zone.</summary>
    public static string Utc(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("ddd d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Utc(DateTimeOffset instant) => Utc(instant.UtcDateTime);

    /// <summary>A local wall-clock time in its zone, e.g. "Mon 15 Mar 2027, 16:30 CET (Europe/Amsterdam)".</summary>
    public static string Local(DateTime local, string zone) =>
        local.ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " " + SessionTime.Abbreviation(zone, local) + $" ({zone})";

    /// <summary>The server part of an actor id, e.g. "mastodon.social".</summary>
    public static string Server(string actorUri) => Uri.TryCreate(actorUri, UriKind.Absolute, out var u) ? u.Authority : actorUri;
}
