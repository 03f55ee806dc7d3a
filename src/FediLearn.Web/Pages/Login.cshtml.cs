using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

public sealed class LoginModel(SignInManager<AppUser> signIn, UserManager<AppUser> users, UserService accounts) : PageModel
{
    [BindProperty] public string Login { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty] public bool RememberMe { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public bool NeedsSetup { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => NeedsSetup = !await accounts.AnyAdminAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Login)) ModelState.AddModelError(nameof(Login), "Enter your name or e-mail address.");
        if (string.IsNullOrEmpty(Password)) ModelState.AddModelError(nameof(Password), "Enter your password.");
        if (!ModelState.IsValid) return Page();

        var login = Login.Trim();
        var user = await users.FindByNameAsync(login) ?? (login.Contains('@') ? await users.FindByEmailAsync(login) : null);
        if (user is not null)
        {
            var result = await signIn.PasswordSignInAsync(user, Password, RememberMe, lockoutOnFailure: true);
            // Url.IsLocalUrl is the check LocalRedirect itself makes (and throws on, after the sign-in): a return URL
            // it refuses, such as one with a newline, goes to the workspace instead of failing with a 500.
            if (result.Succeeded)
            {
                var target = SafeReturnUrl(ReturnUrl);
                return LocalRedirect(Url.IsLocalUrl(target) ? target : "/workspace");
            }
            if (result.IsLockedOut)
            {
                ModelState.AddModelError("", "Too many failed attempts: this account is locked for 15 minutes. Try again later.");
                return Page();
            }
        }
        // The same message whether the account exists or not.
        ModelState.AddModelError("", "That name or e-mail and password do not match an account on this node.");
        ModelState.AddModelError(nameof(Password), "Check the password and try again.");
        NeedsSetup = !await accounts.AnyAdminAsync(ct);
        return Page();
    }

    // Control characters (a %0A in ?ReturnUrl) have no place in a redirect and LocalRedirect refuses them.
    internal static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.Any(char.IsControl)
            ? url : "/workspace";
}
