using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/new/{kind}: write a prompt (or check-in), post, session or material in Markdown, preview it (a
/// second submit handler, no JavaScript) as the public page and a Mastodon timeline will show it, and publish it through
/// PublishingService.CreateAsync. The form itself is <see cref="ItemFormModel"/> and _ItemForm.cshtml, shared with edit.
/// </summary>
public sealed class ComposeModel(PublishingService publishing, FediLearnDbContext db, ActorUrls urls, MediaService media)
    : ItemFormModel(db, urls, media, publishing)
{
    /// <summary>
    /// The kind from the address only (the route admits exactly prompt, post, session or material): a bound property
    /// would also take a form field named Kind, and an unexpected value must not become a session.
    /// </summary>
    public string Kind => RouteData.Values["kind"] as string ?? "";

    public override ItemKind ItemKind => Kind switch
    {
        "prompt" => ItemKind.Prompt,
        "post" => ItemKind.Post,
        "material" => ItemKind.Material,
        "session" => ItemKind.Session,
        _ => throw new System.Diagnostics.UnreachableException($"No item kind {Kind}"),
    };

    public override string FormAction => $"{Base}/new/{KindName}";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Timezone = await LastZoneAsync(ct);
        await LoadListsAsync(ct);
    }

    public Task<IActionResult> OnPostPreviewAsync(CancellationToken ct) => PreviewAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Person is null)
        {
            ModelState.AddModelError("", "Your account has no profile on this node to publish as.");
            await LoadListsAsync(ct);
            return Page();
        }
        return await SubmitAsync(async input =>
        {
            var item = await Publishing.CreateAsync(Group, Person, ItemKind, input, ct);
            var url = Urls.Item(Group.Name, item.Kind, item.Id);
            return Redirect($"{Base}?published={Uri.EscapeDataString(url)}" + (item.PublishedAt is null ? "&scheduled=1" : ""));
        }, ct);
    }
}
