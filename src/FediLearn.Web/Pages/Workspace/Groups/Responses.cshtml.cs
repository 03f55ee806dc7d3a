using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>/workspace/{group}/prompts/{id}: every reply in the prompt's thread (as the API's responses), each removable
/// through ModerationService.RemoveReplyAsync (the group withdraws its Announce and announces a Delete).</summary>
public sealed class ResponsesModel(FediLearnDbContext db, ModerationService moderation, ActorUrls urls) : GroupPageModel
{
    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Prompt { get; private set; } = null!;
    public string PromptUrl { get; private set; } = "";
    public IReadOnlyList<Reply> Replies { get; private set; } = [];
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
        if (string.IsNullOrEmpty(reply) || Replies.All(r => r.Uri != reply))
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
        return Redirect($"{Base}/prompts/{Id}?removed=1");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var prompt = await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == Id && i.GroupId == Group.Id && i.Kind == ItemKind.Prompt && i.DeletedAt == null, ct);
        if (prompt is null) return false;
        Prompt = prompt;
        PromptUrl = urls.Item(Group.Name, ItemKind.Prompt, prompt.Id);
        Replies = await db.Replies.AsNoTracking().Where(r => r.TopItemId == prompt.Id && r.DeletedAt == null)
            .OrderBy(r => r.PublishedAt).ThenBy(r => r.Id).ToListAsync(ct);
        return true;
    }
}
