using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/followers: pending and accepted followers, <see cref="PageSize"/> of each a page
/// (<c>?page=N</c>), oldest first; approve (Accept), remove (Reject) or ban them (FollowerService,
/// ModerationService.BanAsync); banned actors, each with Unban (ModerationService.UnbanAsync).</summary>
public sealed class FollowersModel(FollowerService followers, ModerationService moderation, FediLearnDbContext db) : GroupPageModel
{
    public const int PageSize = 50;

    /// <summary>This page's pending and accepted followers, and how many of each there are on all pages.</summary>
    public IReadOnlyList<FollowerView> Pending { get; private set; } = [];
    public IReadOnlyList<FollowerView> Accepted { get; private set; } = [];
    public int PendingTotal { get; private set; }
    public int AcceptedTotal { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages => Paging.Count(Math.Max(PendingTotal, AcceptedTotal), PageSize);
    public IReadOnlyList<GroupBan> Banned { get; private set; } = [];
    /// <summary>Handles of banned remote actors we know, by actor id.</summary>
    public IReadOnlyDictionary<string, string> BannedHandles { get; private set; } = new Dictionary<string, string>();
    public string? Done { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Done = Request.Query["done"].FirstOrDefault() switch
        {
            "approved" => "Approved: their server was sent an Accept, and they now receive the group's posts.",
            "removed" => "Removed: their server was told with a Reject; they no longer receive the group's posts.",
            "banned" => "Banned: they were removed and the group refuses their follows and replies from now on.",
            "unbanned" => "Unbanned: they may follow the group and reply again. They are not followers until they follow again.",
            _ => null,
        };
        await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostApproveAsync(string? actor, CancellationToken ct) =>
        RunAsync(actor, "approved", () => followers.ApproveAsync(Group.Name, actor!, ct), ct);

    public Task<IActionResult> OnPostRemoveAsync(string? actor, CancellationToken ct) =>
        RunAsync(actor, "removed", () => followers.RemoveAsync(Group.Name, actor!, ct), ct);

    public Task<IActionResult> OnPostBanAsync(string? actor, string? reason, CancellationToken ct) =>
        RunAsync(actor, "banned", () => moderation.BanAsync(Group.Name, actor!, Person, reason, ct), ct);

    public Task<IActionResult> OnPostUnbanAsync(string? actor, CancellationToken ct) =>
        RunAsync(actor, "unbanned", () => moderation.UnbanAsync(Group.Name, actor!, Person, ct), ct);

    private async Task<IActionResult> RunAsync(string? actor, string done, Func<Task> action, CancellationToken ct)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(actor)) throw new FediLearnException("choose a follower");
            await action();
            return Redirect(Paging.Link($"{Base}/followers", QueryPage(), $"done={done}"));
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            await LoadAsync(ct);
            return Page();
        }
    }

    /// <summary>This page's address for page <paramref name="page"/> (page 1 has no query).</summary>
    public string Link(int page) => Paging.Link($"{Base}/followers", page);

    /// <summary>A form's action on this page: the handler, and the page to come back to.</summary>
    public string Action(string handler) => Paging.Link($"{Base}/followers", PageNumber, $"handler={handler}");

    private async Task LoadAsync(CancellationToken ct)
    {
        // Both lists page together; a page past the end (after removals, say) shows the last.
        (PendingTotal, AcceptedTotal) = await followers.CountsAsync(Group, ct);
        PageNumber = QueryPage(Pages);
        var skip = (PageNumber - 1) * PageSize;
        Pending = await followers.ListAsync(Group, FollowState.Pending, skip, PageSize, ct);
        Accepted = await followers.ListAsync(Group, FollowState.Accepted, skip, PageSize, ct);
        Banned = await db.GroupBans.AsNoTracking().Where(b => b.GroupId == Group.Id).OrderByDescending(b => b.CreatedAt).ToListAsync(ct);
        var uris = Banned.Select(b => b.ActorUri).ToList();
        BannedHandles = (await db.RemoteActors.AsNoTracking().Where(a => uris.Contains(a.Uri) && a.Username != null)
                .Select(a => new { a.Uri, a.Username, a.Host }).ToListAsync(ct))
            .ToDictionary(a => a.Uri, a => $"@{a.Username}@{a.Host}");
    }
}
