using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/items: everything the group has written or scheduled, newest first, filterable by kind,
/// each with Edit and Delete.</summary>
public sealed class ItemsModel(FediLearnDbContext db, ActorUrls urls) : GroupPageModel
{
    public const int PageSize = 50;

    /// <summary>The filters: query value and label. "checkin" is a prompt with choices.</summary>
    public static readonly (string Value, string Label)[] Kinds =
        [("", "All"), ("prompt", "Prompts"), ("checkin", "Check-ins"), ("post", "Posts"), ("material", "Materials"), ("session", "Sessions")];

    public string Kind { get; private set; } = "";
    public int PageNumber { get; private set; } = 1;
    public bool HasMore { get; private set; }
    public IReadOnlyList<GroupItem> Items { get; private set; } = [];
    public string? Done { get; private set; }

    public string PublicUrl(GroupItem item) => urls.Item(Group.Name, item.Kind, item.Id);

    public async Task OnGetAsync(string? kind, string? done, CancellationToken ct)
    {
        Kind = Kinds.Any(k => k.Value == kind) ? kind! : "";
        Done = done switch
        {
            "updated" => "Saved. Followers' servers were sent an Update with the new version.",
            "published" => "Saved and published: followers' servers were sent it.",
            "scheduled" => "Saved. It is still scheduled; nothing was sent yet.",
            "deleted" => "Deleted. Followers' servers were sent a Delete; its public page now answers “gone”.",
            "discarded" => "Deleted. It was never published, so nothing was sent.",
            _ => null,
        };
        var query = db.GroupItems.AsNoTracking().Where(i => i.GroupId == Group.Id && i.DeletedAt == null);
        query = Kind switch
        {
            "prompt" => query.Where(i => i.Kind == ItemKind.Prompt && i.ChoicesJson == null),
            "checkin" => query.Where(i => i.Kind == ItemKind.Prompt && i.ChoicesJson != null),
            "post" => query.Where(i => i.Kind == ItemKind.Post),
            "material" => query.Where(i => i.Kind == ItemKind.Material),
            "session" => query.Where(i => i.Kind == ItemKind.Session),
            _ => query,
        };
        // A page past the end (a bookmark, deletions since) shows the last, as the followers and responses lists do.
        PageNumber = QueryPage(Paging.Count(await query.CountAsync(ct), PageSize));
        var rows = await query.OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize + 1).ToListAsync(ct);
        HasMore = rows.Count > PageSize;
        Items = rows.Take(PageSize).ToList();
    }

    public static string KindLabel(GroupItem item) => item.Kind == ItemKind.Prompt && item.ChoicesJson is not null ? "check-in" : item.Kind.ToString().ToLowerInvariant();

    public string Link(string kind, int page = 1) =>
        Paging.Link($"{Base}/items", page, kind.Length > 0 ? $"kind={Uri.EscapeDataString(kind)}" : null);
}
