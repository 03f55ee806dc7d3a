using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Feeds;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages;

public sealed record WorkspaceGroup(string Title, string Handle, string Url, bool RequiresApproval, int Followers, int Pending);

/// <summary>The facilitator's entry point: the groups they run (admins: all) and, for admins, creating a group.</summary>
public sealed class WorkspaceModel(FediLearnDbContext db, GroupService groups, UserService accounts, ActorUrls urls) : PageModel
{
    [BindProperty] public string Name { get; set; } = "";
    [BindProperty] public string Title { get; set; } = "";
    [BindProperty] public string? Summary { get; set; }
    [BindProperty] public bool Approval { get; set; }
    [BindProperty] public bool MembersOnly { get; set; }
    /// <summary>The lane's key (prompt-circle, course-cohort, popup) or "empty"; a form without it makes an empty group.</summary>
    [BindProperty] public string? Lane { get; set; }
    [BindProperty] public string? Timezone { get; set; }
    /// <summary>A popup's archive date, a date in the node's UTC (yyyy-MM-dd); empty: in <see cref="Lanes.PopupDays"/> days.</summary>
    [BindProperty] public string? ArchiveOn { get; set; }
    // Notices after a redirect come from the query string, read by hand: a bound bool would turn "?welcome=1" into a model error.
    public bool Welcome => HttpMethods.IsGet(Request.Method) && Request.Query.ContainsKey("welcome");
    private string? CreatedName => HttpMethods.IsGet(Request.Method) ? Request.Query["created"].FirstOrDefault() : null;
    public WorkspaceGroup? Created { get; private set; }
    private string? LeftName => HttpMethods.IsGet(Request.Method) ? Request.Query["left"].FirstOrDefault() : null;
    /// <summary>The title of the group the member just stopped facilitating (from its settings page), for the notice.</summary>
    public string? Left { get; private set; }
    public bool IsAdmin => User.IsInRole(UserService.AdminRole);
    public IReadOnlyList<WorkspaceGroup> Groups { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Lane = Lanes.PromptCircle.Key;
        Timezone = "UTC";
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!IsAdmin) return Forbid();
        if (string.IsNullOrWhiteSpace(Name)) ModelState.AddModelError(nameof(Name), "Choose a short name.");
        else if (NameRules.Validate(Name.Trim()) is { } problem) ModelState.AddModelError(nameof(Name), AccountForms.Sentence(problem));
        if (string.IsNullOrWhiteSpace(Title)) ModelState.AddModelError(nameof(Title), "Give the group a title.");
        else if (Title.Trim().Length > 200) ModelState.AddModelError(nameof(Title), "Use at most 200 characters.");
        // As the settings page: a longer summary would be saved here, then refused by every save of the group's settings.
        if (Summary?.Trim().Length > GroupService.MaxSummaryLength)
            ModelState.AddModelError(nameof(Summary), $"Use at most {GroupService.MaxSummaryLength} characters.");
        var lane = Lanes.Find(Lane);
        if (lane is null && !string.IsNullOrEmpty(Lane) && Lane != "empty") ModelState.AddModelError(nameof(Lane), "Choose one of the lanes below.");
        if (!string.IsNullOrWhiteSpace(Timezone) && !SessionTime.IsValidZone(Timezone.Trim()))
            ModelState.AddModelError(nameof(Timezone), "Use an IANA timezone name, e.g. Europe/Amsterdam, America/New_York or UTC.");
        var archiveAt = AccountForms.UtcDay(ModelState, nameof(ArchiveOn), ArchiveOn);
        if (ModelState.IsValid)
        {
            try
            {
                var summary = string.IsNullOrWhiteSpace(Summary) ? null : Summary.Trim();
                var person = await accounts.PersonOfAsync(User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "", ct);
                var group = await groups.CreateFromLaneAsync(Name.Trim(), Title.Trim(), summary, lane, Approval, Timezone, archiveAt, person, ct, MembersOnly);
                return Redirect($"/workspace?created={Uri.EscapeDataString(group.Name)}");
            }
            catch (FediLearnException e)
            {
                ModelState.AddModelError(e.Message.Contains("title", StringComparison.OrdinalIgnoreCase) ? nameof(Title) : nameof(Name), AccountForms.Sentence(e.Message));
            }
            catch (ItemValidationException e)
            {
                foreach (var (field, messages) in e.Errors)
                    foreach (var message in messages)
                        ModelState.AddModelError(field == "archiveAt" ? nameof(ArchiveOn) : field == "timezone" ? nameof(Timezone) : "", message);
            }
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var query = db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group);
        if (!IsAdmin)
        {
            var person = await accounts.PersonOfAsync(User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "", ct);
            var personId = person?.Id ?? -1;
            query = query.Where(g => db.GroupFacilitators.Any(f => f.GroupId == g.Id && f.PersonId == personId));
        }
        var rows = await query.OrderBy(g => g.DisplayName).Select(g => new
        {
            Group = g,
            Followers = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Accepted),
            Pending = db.Followers.Count(f => f.LocalActorId == g.Id && f.State == FollowState.Pending),
        }).ToListAsync(ct);
        Groups = rows.Select(r => new WorkspaceGroup(r.Group.DisplayName, urls.Handle(r.Group), urls.Actor(r.Group), r.Group.ManuallyApprovesFollowers, r.Followers, r.Pending)).ToList();
        // Only when it is so: a crafted link cannot tell a facilitator they left a group they still run.
        if (LeftName is { Length: > 0 } left && Groups.All(g => g.Url != urls.Actor(ActorKind.Group, left)))
            Left = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group && a.Name == left).Select(a => a.DisplayName).FirstOrDefaultAsync(ct);
        if (CreatedName is not null) Created = Groups.FirstOrDefault(g => g.Url == urls.Actor(ActorKind.Group, CreatedName));
    }
}
