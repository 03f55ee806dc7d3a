using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/prompts/{id}: the replies in the prompt's thread (as the API's responses), oldest first,
/// <see cref="PageSize"/> a page (<c>?page=N</c>), each removable through ModerationService.RemoveReplyAsync (the group
/// withdraws its Announce and announces a Delete).</summary>
public sealed class ResponsesModel(FediLearnDbContext db, ModerationService moderation, ActorUrls urls) : GroupPageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Prompt { get; private set; } = null!;
    public string PromptUrl { get; private set; } = "";
    /// <summary>This page's replies.</summary>
    public IReadOnlyList<Reply> Replies { get; private set; } = [];
    /// <summary>Every reply in the thread, and the people who wrote them, on all pages.</summary>
    public int Total { get; private set; }
    public int People { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
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
        if (string.IsNullOrEmpty(reply) || !await Thread(Prompt.Id).AnyAsync(r => r.Uri == reply, ct))
        {
            ModelState.AddModelError("", "That reply is not in this prompt's thread any more.");
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
        return Redirect(Paged($"{Base}/prompts/{Id}", PageNumber, "removed=1"));
    }

    /// <summary>This page's address for page <paramref name="page"/> (page 1 has no query).</summary>
    public string Link(int page) => Paged($"{Base}/prompts/{Id}", page);

    /// <summary>A form's action on this page: the handler, and the page to come back to.</summary>
    public string Action(string handler) => Paged($"{Base}/prompts/{Id}", PageNumber, $"handler={handler}");

    private IQueryable<Reply> Thread(long promptId) =>
        db.Replies.AsNoTracking().Where(r => r.TopItemId == promptId && r.DeletedAt == null);

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var prompt = await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == Id && i.GroupId == Group.Id && i.Kind == ItemKind.Prompt && i.DeletedAt == null, ct);
        if (prompt is null) return false;
        Prompt = prompt;
        PromptUrl = urls.Item(Group.Name, ItemKind.Prompt, prompt.Id);
        Total = await Thread(prompt.Id).CountAsync(ct);
        People = await Thread(prompt.Id).Select(r => r.AuthorUri).Distinct().CountAsync(ct);
        // A page past the end shows the last one (after a removal emptied it, for example).
        PageNumber = QueryPage(Pages);
        Replies = await Thread(prompt.Id).OrderBy(r => r.PublishedAt).ThenBy(r => r.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return true;
    }
}
