using System.Globalization;
using System.Net;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;
using FediLearn.Core.Services;
using FediLearn.Core.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

/// <summary>
/// /workspace/{group}/new/{kind}: write a prompt, post, session or material in Markdown, preview it (a second submit
/// handler, no JavaScript) as the public page and a Mastodon timeline will show it, and publish it through
/// PublishingService. Fields and their names are the JSON API's (docs/api.md), so the service's errors land beside them.
/// Times typed here are wall-clock times in the form's time zone.
/// </summary>
public sealed class ComposeModel(PublishingService publishing, FediLearnDbContext db, ActorUrls urls) : GroupPageModel
{
    [BindProperty(SupportsGet = true)] public string Kind { get; set; } = "";
    [BindProperty] public string? Title { get; set; }
    [BindProperty(Name = "content")] public string? Text { get; set; }
    [BindProperty] public string? Choices { get; set; }
    [BindProperty] public bool Multiple { get; set; }
    [BindProperty] public string? ClosesAt { get; set; }
    [BindProperty] public string? PublishAt { get; set; }
    [BindProperty] public string? Timezone { get; set; }
    [BindProperty] public string? StartsAt { get; set; }
    [BindProperty] public string? EndsAt { get; set; }
    [BindProperty] public string? JoinUrl { get; set; }
    [BindProperty] public string? Place { get; set; }
    [BindProperty] public string? Capacity { get; set; }
    [BindProperty] public bool RequireApproval { get; set; }
    [BindProperty] public string? Links { get; set; }
    [BindProperty] public bool Pinned { get; set; }

    public ItemKind ItemKind => Kind switch
    {
        "prompt" => ItemKind.Prompt,
        "post" => ItemKind.Post,
        "material" => ItemKind.Material,
        _ => ItemKind.Session,
    };

    public bool Previewing { get; private set; }
    public string? PreviewHtml { get; private set; }
    public string? PreviewSummary { get; private set; }
    /// <summary>The text of the Note a Mastodon timeline shows (sanitized HTML from the Markdown renderer).</summary>
    public string? MastodonHtml { get; private set; }
    public IReadOnlyList<string> PreviewChoices { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Timezone = await LastZoneAsync(ct);

    public IActionResult OnPostPreview()
    {
        var input = ToInput();
        foreach (var (field, messages) in input.FormatErrors!)
            foreach (var m in messages) ModelState.AddModelError(field, m);
        Previewing = true;
        var rendered = new MarkdownRenderer(urls.Base).Render(Text ?? "");
        PreviewHtml = rendered.Html;
        var titleLine = string.IsNullOrWhiteSpace(Title) ? "" : $"<p><strong>{WebUtility.HtmlEncode(Title.Trim())}</strong></p>";
        if (ItemKind == ItemKind.Session && input is { StartsAt: { } s, EndsAt: { } e } && SessionTime.IsValidZone(input.Timezone))
        {
            try { PreviewSummary = SessionTime.Summary(s, e, input.Timezone!, input.JoinUrl, input.Place); }
            catch (ArgumentException ex) { ModelState.AddModelError("endsAt", ex.Message); }
        }
        else if (ItemKind == ItemKind.Session && !SessionTime.IsValidZone(input.Timezone))
            ModelState.AddModelError("timezone", $"\"{input.Timezone}\" is not a known IANA timezone (e.g. Europe/Amsterdam, America/New_York).");
        // Mastodon shows a Note's content with the title as its first bold line; an Event shows its name, summary and content.
        MastodonHtml = ItemKind == ItemKind.Session
            ? titleLine + (PreviewSummary is null ? "" : $"<p>{WebUtility.HtmlEncode(PreviewSummary)}</p>") + rendered.Html
            : titleLine + rendered.Html;
        PreviewChoices = input.Choices ?? [];
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Person is null)
        {
            ModelState.AddModelError("", "Your account has no profile on this node to publish as.");
            return Page();
        }
        try
        {
            var item = await publishing.CreateAsync(Group, Person, ItemKind, ToInput(), ct);
            var url = urls.Item(Group.Name, item.Kind, item.Id);
            return Redirect($"{Base}?published={Uri.EscapeDataString(url)}" + (item.PublishedAt is null ? "&scheduled=1" : ""));
        }
        catch (ItemValidationException e)
        {
            foreach (var (field, messages) in e.Errors)
                foreach (var m in messages) ModelState.AddModelError(FieldOf(field), m);
            return Page();
        }
    }

    /// <summary>Errors about fields this form does not show (e.g. mediaIds) go to the top of the form.</summary>
    private static string FieldOf(string key) => key is "title" or "content" or "choices" or "multiple" or "closesAt" or "publishAt" or "timezone"
        or "startsAt" or "endsAt" or "joinUrl" or "place" or "capacity" or "requireApproval" or "links" or "pinned" ? key : "";

    private async Task<string> LastZoneAsync(CancellationToken ct)
    {
        if (Group.DefaultTimeZone is { } zone && SessionTime.IsValidZone(zone)) return zone; // the group's settings first
        if (Person is null) return "UTC";
        var last = await db.GroupItems.AsNoTracking().Where(i => i.AuthorId == Person.Id && i.Kind == ItemKind.Session && i.TimeZone != null)
            .OrderByDescending(i => i.Id).Select(i => i.TimeZone).FirstOrDefaultAsync(ct);
        return SessionTime.IsValidZone(last) ? last! : "UTC";
    }

    private ItemInput ToInput()
    {
        var errors = new Dictionary<string, string[]>();
        var zone = string.IsNullOrWhiteSpace(Timezone) ? null : Timezone.Trim();
        var kind = ItemKind;
        int? capacity = null;
        if (!string.IsNullOrWhiteSpace(Capacity))
        {
            if (int.TryParse(Capacity.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var c)) capacity = c;
            else errors["capacity"] = ["Enter a whole number of places, or leave it empty for no limit."];
        }
        var choices = Lines(Choices);
        return new ItemInput
        {
            Title = kind == ItemKind.Prompt ? null : Blank(Title),
            Content = Text ?? "",
            PublishAt = Instant(PublishAt, "publishAt", zone, errors),
            Choices = kind == ItemKind.Prompt && choices.Count > 0 ? choices : null,
            Multiple = kind == ItemKind.Prompt && choices.Count > 0 ? Multiple : null,
            ClosesAt = kind == ItemKind.Prompt ? Instant(ClosesAt, "closesAt", zone, errors) : null,
            Links = kind == ItemKind.Material ? Lines(Links).Select(ToLink).ToList() : null,
            Pinned = kind == ItemKind.Material ? Pinned : null,
            StartsAt = kind == ItemKind.Session ? Local(StartsAt, "startsAt", errors) : null,
            EndsAt = kind == ItemKind.Session ? Local(EndsAt, "endsAt", errors) : null,
            Timezone = kind == ItemKind.Session ? zone : null,
            JoinUrl = kind == ItemKind.Session ? Blank(JoinUrl) : null,
            Place = kind == ItemKind.Session ? Blank(Place) : null,
            Capacity = kind == ItemKind.Session ? capacity : null,
            RequireApproval = kind == ItemKind.Session ? RequireApproval : null,
            FormatErrors = errors,
        };
    }

    private static MaterialLink ToLink(string line)
    {
        var space = line.IndexOf(' ');
        return space < 0 ? new MaterialLink(line, null) : new MaterialLink(line[..space], Blank(line[(space + 1)..]));
    }

    private static List<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"];

    private static DateTime? Local(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateTime.TryParseExact(value.Trim(), LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        errors[field] = [$"\"{value}\" is not a date and time like 2027-03-15 16:30."];
        return null;
    }

    /// <summary>A wall-clock time in the form's zone, as the instant the service stores.</summary>
    private static DateTimeOffset? Instant(string? value, string field, string? zone, Dictionary<string, string[]> errors)
    {
        var local = Local(value, field, errors);
        if (local is null) return null;
        if (!SessionTime.IsValidZone(zone))
        {
            errors["timezone"] = ["Give the IANA time zone these times are in, e.g. Europe/Amsterdam or UTC."];
            return null;
        }
        return SessionTime.ToInstant(local.Value, zone!);
    }
}
