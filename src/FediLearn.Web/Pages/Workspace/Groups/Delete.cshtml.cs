using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/items/{id}/delete: says what deleting does (a Delete to each follower's server; replies stay where
/// they were written), then PublishingService.DeleteAsync, as the API's DELETE does. A scheduled item simply goes.
/// </summary>
public sealed class DeleteModel(PublishingService publishing, FollowerService followers, FediLearnDbContext db, ActorUrls urls) : GroupPageModel
{
    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Item { get; private set; } = null!;
    public string PublicUrl => urls.Item(Group.Name, Item.Kind, Item.Id);

    /// <summary>The servers of the group's accepted followers: where the Delete goes (one delivery per shared inbox or so).</summary>
    public int Servers { get; private set; }
    public int Replies { get; private set; }

    protected override async Task<IActionResult?> FindTargetAsync(CancellationToken ct)
    {
        if (await LiveItemAsync(db, Id, ct) is not { } item) return NotFound();
        Item = item;
        return null;
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Servers = await followers.ServerCountAsync(Group, ct);
        Replies = await db.Replies.CountAsync(r => r.TopItemId == Item.Id && r.DeletedAt == null, ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var published = Item.PublishedAt is not null;
        await publishing.DeleteAsync(Group, Item, ct);
        return Redirect($"{Base}/items?done={(published ? "deleted" : "discarded")}");
    }
}
