using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>The member's own API tokens: create (the secret is shown once), list, revoke.</summary>
public sealed class TokensModel(TokenService tokens, UserService accounts) : PageModel
{
    // Optional: MVC binds an empty field as null (ConvertEmptyStringToNull), which was a 500 here until 2026-12-05.
    [BindProperty] public string? Name { get; set; }
    public bool Revoked => HttpMethods.IsGet(Request.Method) && Request.Query.ContainsKey("revoked");
    public string? NewToken { get; private set; }
    public string? NewTokenName { get; private set; }
    public IReadOnlyList<AccessToken> Tokens { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : Forbid();

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (Name is { Length: > 100 }) ModelState.AddModelError(nameof(Name), "Use at most 100 characters.");
        if (ModelState.IsValid)
        {
            NewTokenName = string.IsNullOrWhiteSpace(Name) ? "API token" : Name.Trim();
            NewToken = await tokens.CreateAsync(User.Identity!.Name!, NewTokenName, ct);
            Name = "";
        }
        // Shown on this response only (no redirect): the secret must not land in a URL or the history.
        Response.Headers.CacheControl = "no-store";
        return await LoadAsync(ct) ? Page() : Forbid();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct)
    {
        var person = await accounts.PersonOfAsync(User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value, ct);
        if (person is null) return Forbid();
        if (!await accounts.RevokeTokenAsync(person.Id, id, ct)) return NotFound();
        return Redirect("/account/tokens?revoked=true");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var userId = User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        var person = userId is null ? null : await accounts.PersonOfAsync(userId, ct);
        if (person is null) return false;
        Tokens = await accounts.ListTokensAsync(person.Id, ct);
        return true;
    }
}
