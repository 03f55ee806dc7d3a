using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>/admin/domains: node-wide domain blocks (DomainBlockService, the same the CLI's `domains` verbs use).</summary>
public sealed class DomainsModel(DomainBlockService blocks) : PageModel
{
    [BindProperty] public string? Domain { get; set; }
    [BindProperty] public string? Reason { get; set; }
    [TempData] public string? Done { get; set; }
    public IReadOnlyList<DomainBlock> Blocks { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Blocks = await blocks.ListAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Domain)) ModelState.AddModelError(nameof(Domain), "Enter a domain, like spam.example.");
        else if (Reason is { Length: > 500 }) ModelState.AddModelError(nameof(Reason), "Keep the reason under 500 characters.");
        else
        {
            try
            {
                var blocked = await blocks.BlockAsync(Domain, Reason, ct);
                Done = $"Blocked {blocked}: requests signed by it or its subdomains are now refused with 403.";
                return RedirectToPage();
            }
            catch (FediLearnException e)
            {
                ModelState.AddModelError(nameof(Domain), AccountForms.Sentence(e.Message));
            }
        }
        Blocks = await blocks.ListAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostUnblockAsync(string? domain, CancellationToken ct)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(domain)) throw new FediLearnException("choose a domain to unblock");
            var lifted = await blocks.UnblockAsync(domain, ct);
            Done = $"Unblocked {lifted}: its servers may talk to this node again.";
            return RedirectToPage();
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            Blocks = await blocks.ListAsync(ct);
            return Page();
        }
    }
}
