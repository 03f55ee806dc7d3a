using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/facilitators/{user}/remove: the settings page's <em>Remove</em> leads here rather than removing on
/// one click, since a misclick can take someone's access away (one's own, too). The page says what removing does; its
/// POST calls GroupService.RemoveFacilitatorAsync, as the CLI's <c>facilitators remove</c>. The service is the one that
/// refuses (the last facilitator, someone who no longer facilitates): its refusal shows on this page.
/// </summary>
public sealed class RemoveFacilitatorModel(GroupService groups) : GroupPageModel
{
    /// <summary>The {user} of the route: a member's user name.</summary>
    [BindProperty(SupportsGet = true, Name = "user")] public string UserName { get; set; } = "";

    /// <summary>The facilitator to remove, or null when the name is not among the group's facilitators.</summary>
    public FacilitatorView? Facilitator { get; private set; }

    /// <summary>The signed-in person removing themselves; unless they are an admin, this page is their last in the group.</summary>
    public bool Self => Person?.Name == UserName;
    public bool Admin => User.IsInRole(UserService.AdminRole);

    /// <summary>The service's refusal after a POST, as a sentence.</summary>
    public string? Refusal { get; private set; }

    public string SettingsUrl => $"{Base}/settings#facilitators";

    protected override async Task<IActionResult?> FindTargetAsync(CancellationToken ct)
    {
        Facilitator = (await groups.FacilitatorsAsync(Group.Name, ct)).FirstOrDefault(f => f.Name == UserName);
        return null;
    }

    public void OnGet()
    {
        // Someone who does not facilitate the group (already removed in another tab, a mistyped address): the page says
        // so, with the 404 status an unknown item gets, rather than offering a removal the service would refuse.
        if (Facilitator is null) Response.StatusCode = StatusCodes.Status404NotFound;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        try
        {
            await groups.RemoveFacilitatorAsync(Group.Name, UserName, Person, ct);
            // Without the facilitator role the group's pages answer 403 from now on; admins keep them.
            if (Self && !Admin)
                return Redirect($"/workspace?left={Uri.EscapeDataString(Group.Name)}#left");
            return Redirect($"{Base}/settings?removed={Uri.EscapeDataString(UserName)}#facilitators");
        }
        catch (FediLearnException e)
        {
            Refusal = SettingsModel.WebMessage(e, UserName);
            return Page();
        }
    }
}
