using System.Security.Claims;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>One report as a card (Pages/Admin/_ReportCard.cshtml), on /admin/reports and on a group's reports page.</summary>
public sealed record ReportCard(ReportView Report, string ResolveAction, bool ShowGroup)
{
    /// <summary>Only http(s) addresses become links: a report's objects come from other servers.</summary>
    public static bool IsWebAddress(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp);
}

/// <summary>/admin/reports: every report, to any group or to the node's instance actor; open first. Admins resolve any
/// of them (ModerationService.ResolveReportAsync, logged as "resolve-report" with the admin's Person).</summary>
public sealed class AdminReportsModel(ModerationService moderation, UserService accounts) : PageModel
{
    public const int Limit = 500;
    [TempData] public string? Done { get; set; }
    public IReadOnlyList<ReportView> Reports { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Reports = await moderation.ReportViewsAsync(null, Limit, ct);

    public async Task<IActionResult> OnPostResolveAsync(long? id, CancellationToken ct)
    {
        if (id is null) return NotFound();
        var person = await accounts.PersonOfAsync(User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", ct);
        try
        {
            if (!await moderation.ResolveReportAsync(id.Value, null, person, ct)) return NotFound();
            Done = "The report is resolved. It stays listed under Resolved, and the moderation log records who resolved it.";
            return RedirectToPage();
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            Reports = await moderation.ReportViewsAsync(null, Limit, ct);
            return Page();
        }
    }
}
