using System.Globalization;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/settings: title, summary, icon, follow approval, posting policy, default timezone and archive
/// date (GroupService.UpdateSettingsAsync, which tells followers' servers with Update{Group}); and who facilitates the
/// group: the list and adding a local member by name (GroupService's facilitator methods, as the CLI's
/// <c>facilitators add|list</c>). Each row's <em>Remove</em> leads to a confirmation page (RemoveFacilitatorModel), whose
/// POST removes them and comes back here with the notice below.
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
    /// <summary>The add-facilitator form's member name.</summary>
    [BindProperty] public string? NewFacilitator { get; set; }

    public bool Saved { get; private set; }
    public IReadOnlyList<FacilitatorView> Facilitators { get; private set; } = [];
    /// <summary>After adding or removing (on the confirmation page) a facilitator: from the query string, read by hand as the workspace does.</summary>
    public string? FacilitatorNotice { get; private set; }
    /// <summary>A facilitator form was refused: its errors show in the Facilitators section, not above the settings form.</summary>
    public bool FacilitatorFormFailed { get; private set; }
    public string IconUrl { get; private set; } = "";

    public static IReadOnlyList<(string Value, string Text)> Policies { get; } =
    [
        ("open", "Anyone who can see the group's posts"),
        ("participants", "Approved followers and facilitators"),
        ("facilitators", "Facilitators only"),
    ];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Saved = Request.Query.ContainsKey("saved");
        Fill(Group);
        Facilitators = await groups.FacilitatorsAsync(Group.Name, ct);
        // Only a notice the list bears out: a crafted link cannot announce a change that did not happen.
        bool Listed(string name) => Facilitators.Any(f => f.Name == name);
        FacilitatorNotice = Request.Query["added"].FirstOrDefault() is { Length: > 0 } added && Listed(added) ? $"{added} now facilitates the group."
            : Request.Query["removed"].FirstOrDefault() is { Length: > 0 } removed && !Listed(removed) ? $"{removed} no longer facilitates the group."
            : null;
    }

    public async Task<IActionResult> OnPostAddFacilitatorAsync(CancellationToken ct)
    {
        ModelState.Clear(); // this form posts none of the settings fields, whose implicit [Required] would refuse it
        var name = NewFacilitator?.Trim() ?? "";
        if (name.Length == 0) ModelState.AddModelError(nameof(NewFacilitator), "Enter the user name of a member of this node.");
        else
        {
            try
            {
                await groups.AddFacilitatorAsync(Group.Name, name, Person, ct);
                return Redirect($"{Base}/settings?added={Uri.EscapeDataString(name)}#facilitators");
            }
            catch (FediLearnException e)
            {
                ModelState.AddModelError(nameof(NewFacilitator), WebMessage(e, name));
            }
        }
        return await FacilitatorFormFailedAsync(ct);
    }

    private async Task<IActionResult> FacilitatorFormFailedAsync(CancellationToken ct)
    {
        FacilitatorFormFailed = true;
        Fill(Group);
        Facilitators = await groups.FacilitatorsAsync(Group.Name, ct);
        return Page();
    }

    /// <summary>
    /// A service refusal as a sentence, without the CLI command some end with in parentheses ("… (add one with: users
    /// add …)"): in the browser that advice is for someone else.
    /// </summary>
    internal static string WebMessage(FediLearnException e, string userName)
    {
        var m = e.Message;
        var hint = m.LastIndexOf(" (", StringComparison.Ordinal);
        m = hint > 0 && m.EndsWith(')') ? m[..hint] : m;
        // A sentence that starts with a user name keeps it as it is written ("bo is the last…", not "Bo").
        return m.StartsWith(userName + " ", StringComparison.Ordinal) ? m.TrimEnd('.') + "." : AccountForms.Sentence(m);
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
        Facilitators = await groups.FacilitatorsAsync(Group.Name, ct);
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
