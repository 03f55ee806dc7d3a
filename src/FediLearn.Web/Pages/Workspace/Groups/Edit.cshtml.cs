using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/items/{id}/edit: the compose form, filled with the item as stored. Saving calls
/// PublishingService.UpdateAsync, as the API's PUT does: a published item is sent to followers again as an Update, a
/// scheduled one keeps waiting (or goes out now when its time is cleared). Sessions also get cancellation, notes and a
/// recording link here. An item of another group, or a deleted one, is 404.
/// </summary>
public sealed class EditModel(PublishingService publishing, FediLearnDbContext db, ActorUrls urls, MediaService media)
    : ItemFormModel(db, urls, media, publishing)
{
    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Item { get; private set; } = null!;
    public string PublicUrl => Urls.Item(Group.Name, Item.Kind, Item.Id);

    public override ItemKind ItemKind => Item.Kind;
    public override string FormAction => $"{Base}/items/{Id}/edit";
    public override bool IsEdit => true;
    public override bool AlreadyPublished => Item.PublishedAt is not null;
    protected override GroupItem? Stored => Item;

    protected override async Task<IActionResult?> FindTargetAsync(CancellationToken ct)
    {
        if (await LiveItemAsync(Db, Id, ct) is not { } item) return NotFound();
        Item = item;
        return null;
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Fill(Item, Item.Kind == ItemKind.Session && Item.TimeZone is { } zone ? zone : await LastZoneAsync(ct));
        await LoadListsAsync(ct);
    }

    public Task<IActionResult> OnPostPreviewAsync(CancellationToken ct) => PreviewAsync(ct);

    public Task<IActionResult> OnPostAsync(CancellationToken ct) => SubmitAsync(async input =>
    {
        var wasPublished = AlreadyPublished;
        var item = await Publishing.UpdateAsync(Group, Item, input, ct);
        var done = wasPublished ? "updated" : item.PublishedAt is null ? "scheduled" : "published";
        return Redirect($"{Base}/items?done={done}&id={item.Id}");
    }, ct);
}
