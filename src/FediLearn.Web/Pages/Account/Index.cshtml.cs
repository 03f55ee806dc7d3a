using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages;

public sealed class AccountModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, UserService accounts, FediLearnDbContext db, ActorUrls urls) : PageModel
{
    [BindProperty] public string CurrentPassword { get; set; } = "";
    [BindProperty] public string NewPassword { get; set; } = "";
    [BindProperty] public string ConfirmPassword { get; set; } = "";
    public bool Welcome => HttpMethods.IsGet(Request.Method) && Request.Query.ContainsKey("welcome");
    public bool Changed => HttpMethods.IsGet(Request.Method) && Request.Query.ContainsKey("changed");
    public string Handle { get; private set; } = "";
    public string Email { get; private set; } = "";
    public bool IsAdmin { get; private set; }
    public IReadOnlyList<string> Facilitates { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return Challenge();
        await LoadAsync(user, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return Challenge();
        if (string.IsNullOrEmpty(CurrentPassword)) ModelState.AddModelError(nameof(CurrentPassword), "Enter your current password.");
        AccountForms.ValidatePassword(ModelState, nameof(NewPassword), nameof(ConfirmPassword), NewPassword, ConfirmPassword);
        if (ModelState.IsValid)
        {
            var result = await users.ChangePasswordAsync(user, CurrentPassword, NewPassword);
            if (result.Succeeded)
            {
                await signIn.RefreshSignInAsync(user);
                return Redirect("/account?changed=true");
            }
            foreach (var error in result.Errors)
                ModelState.AddModelError(error.Code == "PasswordMismatch" ? nameof(CurrentPassword) : nameof(NewPassword),
                    error.Code == "PasswordMismatch" ? "The current password is not right." : error.Description);
        }
        await LoadAsync(user, ct);
        return Page();
    }

    private async Task LoadAsync(AppUser user, CancellationToken ct)
    {
        Email = user.Email ?? "";
        IsAdmin = await users.IsInRoleAsync(user, UserService.AdminRole);
        var person = await accounts.PersonOfAsync(user.Id, ct);
        if (person is null) return;
        Handle = urls.Handle(person);
        Facilitates = await db.GroupFacilitators.Where(f => f.PersonId == person.Id)
            .Join(db.LocalActors, f => f.GroupId, g => g.Id, (f, g) => g.DisplayName).OrderBy(n => n).ToListAsync(ct);
    }
}
