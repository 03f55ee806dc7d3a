using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>First start: creates the first admin, then disappears (404) once any admin exists.</summary>
public sealed class SetupModel(UserService accounts, UserManager<AppUser> users, SignInManager<AppUser> signIn) : PageModel
{
    [BindProperty] public string Name { get; set; } = "";
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty] public string ConfirmPassword { get; set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        await accounts.AnyAdminAsync(ct) ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await accounts.AnyAdminAsync(ct)) return NotFound();
        AccountForms.ValidateNew(ModelState, Name, Email, Password, ConfirmPassword);
        if (!ModelState.IsValid) return Page();
        try
        {
            await accounts.AddAsync(Name.Trim(), Email.Trim(), Password, admin: true, ct);
        }
        catch (FediLearnException e)
        {
            AccountForms.AddServiceError(ModelState, e);
            return Page();
        }
        var user = await users.FindByNameAsync(Name.Trim());
        await signIn.SignInAsync(user!, isPersistent: false);
        return Redirect("/workspace?welcome=1");
    }
}
