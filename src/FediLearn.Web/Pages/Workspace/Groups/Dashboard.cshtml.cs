using FediLearn.Core.Services;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}: what needs the facilitator's attention (WorkspaceService.DashboardAsync), and links to compose.</summary>
public sealed class DashboardModel(WorkspaceService workspace) : GroupPageModel
{
    public Dashboard Board { get; private set; } = null!;

    /// <summary>After publishing: the new item's public address (?published=…), shown as a notice when it is this group's.</summary>
    public string? Published { get; private set; }
    public bool Scheduled { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Board = await workspace.DashboardAsync(Group, ct);
        var published = Request.Query["published"].FirstOrDefault();
        if (published is not null && published.StartsWith(GroupUrl + "/", StringComparison.Ordinal)) Published = published;
        Scheduled = Request.Query.ContainsKey("scheduled");
    }
}
