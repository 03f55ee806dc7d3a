using System.Security.Claims;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages;

/// <summary>Admins create single-use invitation links (the folder requires the admin policy: WebAppSetup).</summary>
public sealed class InvitationsModel(InvitationService invitations, FediLearnDbContext db, ActorUrls urls, TimeProvider time) : PageModel
{
    [BindProperty] public string Role { get; set; } = "member";
    [BindProperty] public string Group { get; set; } = "";
    public string? NewLink { get; private set; }
    public IReadOnlyList<LocalActor> Groups { get; private set; } = [];
    public IReadOnlyList<InvitationView> Invitations { get; private set; } = [];
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var role = Role switch { "member" => InvitationRole.Member, "facilitator" => InvitationRole.Facilitator, _ => (InvitationRole?)null };
        if (role is null) ModelState.AddModelError(nameof(Role), "Choose member or facilitator.");
        if (role == InvitationRole.Facilitator && string.IsNullOrWhiteSpace(Group))
            ModelState.AddModelError(nameof(Group), "Choose the group this facilitator will run.");
        if (ModelState.IsValid)
        {
            try
            {
                var code = await invitations.CreateAsync(User.FindFirstValue(ClaimTypes.NameIdentifier)!, role!.Value,
                    role == InvitationRole.Facilitator ? Group : null, ct);
                NewLink = $"{urls.Base}/join/{code}";
                Response.Headers.CacheControl = "no-store";
            }
            catch (FediLearnException e)
            {
                ModelState.AddModelError(nameof(Group), AccountForms.Sentence(e.Message));
            }
        }
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Groups = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).OrderBy(a => a.DisplayName).ToListAsync(ct);
        Invitations = await invitations.ListAsync(ct);
    }
}
