using FediLearn.Core.Services;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/digest: the last 7 days (WorkspaceService.DigestAsync): who answered which prompt, and replies still waiting.</summary>
public sealed class DigestModel(WorkspaceService workspace) : GroupPageModel
{
    public Digest Digest { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct) => Digest = await workspace.DigestAsync(Group, 7, ct);
}
