using System.Globalization;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/settings: title, summary, icon, follow approval, posting policy, default timezone and archive
/// date (GroupService.UpdateSettingsAsync, which tells followers' servers with Update{Group}).
/// </summary>
public sealed class SettingsModel(GroupService groups, MediaService media) : GroupPageModel
{
    [BindProperty] public string Title { get; set; } = "";
    [BindProperty] public string? Summary { get; set; }
    [BindProperty] public bool Approval { get; set; }
    [BindProperty] public bool MembersOnly { get; set; }
    [BindProperty] public string PostingPolicy { get; set; } = "open";
    [BindProperty] public string? Timezone { get; set; }
    [BindProperty] public string? ArchiveOn { get; set; }
    [BindProperty] public IFormFile? Icon { get; set; }
    [BindProperty] public bool RemoveIcon { get; set; }

    public bool Saved { get; private set; }
    public string IconUrl { get; private set; } = "";

    public static IReadOnlyList<(string Value, string Text)> Policies { get; } =
    [
        ("open", "Anyone who can see the group's posts"),
        ("participants", "Approved followers and facilitators"),
        ("facilitators", "Facilitators only"),
    ];

    public void OnGet()
    {
        Saved = Request.Query.ContainsKey("saved");
        Fill(Group);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var policy = GroupService.ParsePostingPolicy(PostingPolicy);
        if (policy is null) ModelState.AddModelError(nameof(PostingPolicy), "Choose who may reply.");
        var archiveAt = AccountForms.UtcDay(ModelState, nameof(ArchiveOn), ArchiveOn);
        var iconKey = RemoveIcon ? null : Group.IconMediaKey;
        if (Icon is { Length: > 0 } && ModelState.IsValid && Person is not null)
        {
            try
            {
                await using var stream = Icon.OpenReadStream();
                var file = await media.SaveAsync(Person, stream, Icon.FileName, $"Icon of {Group.DisplayName}", ct);
                if (file.ContentType.StartsWith("image/", StringComparison.Ordinal)) iconKey = file.Key;
                else ModelState.AddModelError(nameof(Icon), "The icon must be an image: PNG, JPEG, GIF or WebP.");
            }
            catch (ItemValidationException e)
            {
                ModelState.AddModelError(nameof(Icon), string.Join(" ", e.Errors.SelectMany(x => x.Value)));
            }
        }
        if (ModelState.IsValid)
        {
            try
            {
                // An archive date already passed stays as it is (the group is archived); only a new one must be in the future.
                var keepPast = archiveAt is { } at && Group.ArchiveAt is { } old && at == old.Date;
                await groups.UpdateSettingsAsync(Group.Name,
                    new GroupSettings(Title, Summary, Approval, policy!.Value, Timezone, keepPast ? Group.ArchiveAt : archiveAt, iconKey, MembersOnly), ct);
                return Redirect($"{Base}/settings?saved=1");
            }
            catch (ItemValidationException e)
            {
                foreach (var (field, messages) in e.Errors)
                    foreach (var message in messages)
                        ModelState.AddModelError(field switch
                        {
                            "title" => nameof(Title),
                            "summary" => nameof(Summary),
                            "timezone" => nameof(Timezone),
                            "archiveAt" => nameof(ArchiveOn),
                            "icon" => nameof(Icon),
                            _ => "",
                        }, message);
            }
        }
        IconUrl = IconOf(Group);
        return Page();
    }

    private void Fill(LocalActor group)
    {
        Title = group.DisplayName;
        Summary = group.Summary;
        Approval = group.ManuallyApprovesFollowers;
        MembersOnly = group.MembersOnly;
        PostingPolicy = group.PostingPolicy.ToString().ToLowerInvariant();
        Timezone = group.DefaultTimeZone;
        ArchiveOn = group.ArchiveAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        IconUrl = IconOf(group);
    }

    private string IconOf(LocalActor group) => group.IconMediaKey is { } key ? $"/media/{key}" : $"/g/{group.Name}/icon.png";
}
