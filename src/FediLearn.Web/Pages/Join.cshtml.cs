using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>An invitee turns a single-use link into an account (and a facilitator seat, if so invited).</summary>
public sealed class JoinModel(InvitationService invitations, UserManager<AppUser> users, SignInManager<AppUser> signIn) : PageModel
{
    [BindProperty] public string Name { get; set; } = "";
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty] public string ConfirmPassword { get; set; } = "";
    public InvitationCheck Check { get; private set; } = new(InvitationState.Unknown, InvitationRole.Member, null, null);

    public async Task<IActionResult> OnGetAsync(string code, CancellationToken ct)
    {
        Check = await invitations.CheckAsync(code, ct);
        return Check.State == InvitationState.Valid ? Page() : Gone();
    }

    public async Task<IActionResult> OnPostAsync(string code, CancellationToken ct)
    {
        Check = await invitations.CheckAsync(code, ct);
        if (Check.State != InvitationState.Valid) return Gone();
        AccountForms.ValidateNew(ModelState, Name, Email, Password, ConfirmPassword);
        if (!ModelState.IsValid) return Page();
        try
        {
            await invitations.AcceptAsync(code, Name.Trim(), Email.Trim(), Password, ct);
        }
        catch (FediLearnException e)
        {
            Check = await invitations.CheckAsync(code, ct);
            if (Check.State != InvitationState.Valid) return Gone();
            AccountForms.AddServiceError(ModelState, e);
            return Page();
        }
        var user = await users.FindByNameAsync(Name.Trim());
        await signIn.SignInAsync(user!, isPersistent: false);
        return Redirect(Check.Role == InvitationRole.Facilitator ? "/workspace?welcome=1" : "/account?welcome=1");
    }

    /// <summary>A used, expired or unknown link: a readable page, with a status that says it will not work.</summary>
    private PageResult Gone()
    {
        Response.StatusCode = Check.State == InvitationState.Unknown ? StatusCodes.Status404NotFound : StatusCodes.Status410Gone;
        return Page();
    }
}
