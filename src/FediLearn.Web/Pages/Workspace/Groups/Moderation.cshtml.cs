using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/moderation: the moderation log and the reports about this group (ModerationService).</summary>
public sealed class ModerationModel(ModerationService moderation) : GroupPageModel
{
    public IReadOnlyList<ModerationView> Log { get; private set; } = [];
    public IReadOnlyList<Report> Reports { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Log = await moderation.LogAsync(Group.Name, ct);
        Reports = await moderation.ReportsAsync(Group.Name, ct);
    }

    public static IReadOnlyList<string> Objects(Report r) => StoredJson.ReadStrings(r.ObjectsJson);
}
