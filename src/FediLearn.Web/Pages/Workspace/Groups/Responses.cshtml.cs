using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/items/{id}/replies (for a prompt also /workspace/{group}/prompts/{id}, its responses as
/// the API lists them): the replies in a published item's thread, oldest first, <see cref="PageSize"/> a page
/// (<c>?page=N</c>), each removable through ModerationService.RemoveReplyAsync (the group withdraws its Announce and
/// announces a Delete). Learners reply to posts, materials and sessions from Mastodon as much as to prompts.</summary>
public sealed class ResponsesModel(FediLearnDbContext db, ModerationService moderation, ActorUrls urls) : GroupPageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Item { get; private set; } = null!;
    public string ItemUrl { get; private set; } = "";
    /// <summary>What a reply is called here: a prompt's are its responses.</summary>
    public string Noun => Item.Kind == ItemKind.Prompt ? "response" : "reply";
    public string Nouns => Item.Kind == ItemKind.Prompt ? "responses" : "replies";
    /// <summary>This page's replies.</summary>
    public IReadOnlyList<Reply> Replies { get; private set; } = [];
    /// <summary>Every reply in the thread, and the people who wrote them, on all pages.</summary>
    public int Total { get; private set; }
    public int People { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages => Paging.Count(Total, PageSize);
    public string? Removed { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (Request.Query.ContainsKey("removed")) Removed = "The reply was removed; followers' servers were told to hide it.";
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string? reply, string? reason, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (string.IsNullOrEmpty(reply) || !await Thread(Item.Id).AnyAsync(r => r.Uri == reply, ct))
        {
            ModelState.AddModelError("", "That reply is not in this thread any more.");
            return Page();
        }
        try
        {
            await moderation.RemoveReplyAsync(Group.Name, reply, Person, reason, ct);
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            return Page();
        }
        return Redirect(Paging.Link(Here, PageNumber, "removed=1"));
    }

    /// <summary>This page's address for page <paramref name="page"/> (page 1 has no query).</summary>
    public string Link(int page) => Paging.Link(Here, page);

    /// <summary>A form's action on this page: the handler, and the page to come back to.</summary>
    public string Action(string handler) => Paging.Link(Here, PageNumber, $"handler={handler}");

    /// <summary>The address this page was asked for, of its two: links and redirects stay on it.</summary>
    private string Here => (Request.PathBase + Request.Path).ToString();

    private IQueryable<Reply> Thread(long itemId) =>
        db.Replies.AsNoTracking().Where(r => r.TopItemId == itemId && r.DeletedAt == null);

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        // Published items have threads; the prompts/{id} address is a prompt's only.
        var item = await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == Id && i.GroupId == Group.Id && i.PublishedAt != null && i.DeletedAt == null, ct);
        if (item is null || (Request.Path.Value?.EndsWith("/replies", StringComparison.Ordinal) != true && item.Kind != ItemKind.Prompt)) return false;
        Item = item;
        ItemUrl = urls.Item(Group.Name, item.Kind, item.Id);
        Total = await Thread(item.Id).CountAsync(ct);
        People = await Thread(item.Id).Select(r => r.AuthorUri).Distinct().CountAsync(ct);
        // A page past the end shows the last one (after a removal emptied it, for example).
        PageNumber = QueryPage(Pages);
        Replies = await Thread(item.Id).OrderBy(r => r.PublishedAt).ThenBy(r => r.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return true;
    }
}
