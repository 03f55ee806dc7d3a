using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/reports: the reports sent to this group, for its facilitators to resolve. A report of
/// another group is unknown here (404), whatever id is posted.</summary>
public sealed class ReportsModel(ModerationService moderation) : GroupPageModel
{
    [TempData] public string? Done { get; set; }
    public IReadOnlyList<ReportView> Reports { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Reports = await moderation.ReportViewsAsync(Group, AdminReportsModel.Limit, ct);

    public async Task<IActionResult> OnPostResolveAsync(long? id, CancellationToken ct)
    {
        if (id is null) return NotFound();
        try
        {
            if (!await moderation.ResolveReportAsync(id.Value, Group, Person, ct)) return NotFound();
            Done = "The report is resolved; the moderation log records who resolved it.";
            return Redirect($"{Base}/reports");
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            Reports = await moderation.ReportViewsAsync(Group, AdminReportsModel.Limit, ct);
            return Page();
        }
    }
}
