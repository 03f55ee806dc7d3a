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
/// The form behind compose (/new/{kind}) and edit (/items/{id}/edit): the same fields, names (the JSON API's, so the
/// service's errors land beside them), preview and upload handling. Times typed here are wall-clock times in the form's
/// time zone. An uploaded file is stored through MediaService on whichever button was pressed, and from then on travels
/// as a kept "mediaIds" checkbox, so a preview round trip never loses it.
/// </summary>
public abstract class ItemFormModel(FediLearnDbContext db, ActorUrls urls, MediaService media, PublishingService publishing) : GroupPageModel
{
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
    [BindProperty] public string? SessionId { get; set; }
    [BindProperty] public List<string> MediaIds { get; set; } = [];
    [BindProperty(Name = "file")] public IFormFile? Upload { get; set; }
    [BindProperty] public string? FileDescription { get; set; }
    [BindProperty] public bool Cancelled { get; set; }
    [BindProperty] public string? Notes { get; set; }
    [BindProperty] public string? RecordingUrl { get; set; }

    public abstract ItemKind ItemKind { get; }

    protected FediLearnDbContext Db => db;
    protected ActorUrls Urls => urls;
    protected PublishingService Publishing => publishing;

    /// <summary>"prompt", "post", "session" or "material": as in the compose routes.</summary>
    public string KindName => ItemKind.ToString().ToLowerInvariant();

    /// <summary>Where the form posts; the preview button adds ?handler=preview.</summary>
    public abstract string FormAction { get; }

    /// <summary>Edit only: a session's cancellation, notes and recording link.</summary>
    public virtual bool IsEdit => false;

    /// <summary>A published item goes out at once when saved: "publish at" only applies before publication.</summary>
    public virtual bool AlreadyPublished => false;

    public string SubmitLabel => !IsEdit ? "Publish" : AlreadyPublished ? "Save and send the update" : "Save";

    public bool Previewing { get; private set; }
    public string? PreviewHtml { get; private set; }
    public string? PreviewSummary { get; private set; }
    public string? PreviewNotesHtml { get; private set; }
    /// <summary>The text of the Note a Mastodon timeline shows (sanitized HTML from the Markdown renderer).</summary>
    public string? MastodonHtml { get; private set; }
    public IReadOnlyList<string> PreviewChoices { get; private set; } = [];

    public IReadOnlyList<(string Value, string Text)> Zones { get; private set; } = [];
    public IReadOnlyList<(string Value, string Text)> Sessions { get; private set; } = [];
    public IReadOnlyList<MediaFile> Attached { get; private set; } = [];
    public long MaxUploadBytes => media.MaxBytes;

    /// <summary>The stored item an edit form saves to; null when composing.</summary>
    protected virtual GroupItem? Stored => null;

    /// <summary>
    /// Validates the form as publishing it would (<see cref="PublishingService.CheckAsync"/>), without saving, and renders
    /// what readers will see. It checked only the form's formats and the zone: a session of 31 days or a closing time on a
    /// prompt without choices previewed cleanly and was refused on Publish.
    /// </summary>
    protected async Task<IActionResult> PreviewAsync(CancellationToken ct)
    {
        await AcceptUploadAsync(ct);
        var input = ToInput();
        foreach (var (field, messages) in await publishing.CheckAsync(Group, ItemKind, input, Stored, ct))
            foreach (var m in messages) ModelState.AddModelError(FieldOf(field), m);
        Previewing = true;
        var markdown = new MarkdownRenderer(urls.Base);
        var rendered = markdown.Render(Text ?? "");
        PreviewHtml = rendered.Html;
        if (ItemKind == ItemKind.Session && !string.IsNullOrWhiteSpace(Notes)) PreviewNotesHtml = markdown.Render(Notes).Html;
        var titleLine = string.IsNullOrWhiteSpace(Title) ? "" : $"<p><strong>{WebUtility.HtmlEncode(Title.Trim())}</strong></p>";
        // The summary line only for times the check took (an end before the start, or a date out of range, has none).
        if (ItemKind == ItemKind.Session && input is { StartsAt: { } s, EndsAt: { } e } && SessionTime.IsValidZone(input.Timezone)
            && ModelState.GetFieldValidationState("startsAt") != Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid
            && ModelState.GetFieldValidationState("endsAt") != Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid)
            PreviewSummary = SessionTime.Summary(s, e, input.Timezone!, input.JoinUrl, input.Place);
        // Mastodon shows a Note's content with the title as its first bold line; an Event shows its name, summary and content.
        MastodonHtml = ItemKind == ItemKind.Session
            ? titleLine + (PreviewSummary is null ? "" : $"<p>{WebUtility.HtmlEncode((Cancelled ? "Cancelled: " : "") + PreviewSummary)}</p>") + rendered.Html
            : titleLine + rendered.Html;
        PreviewChoices = input.Choices ?? [];
        await LoadListsAsync(ct);
        return Page();
    }

    /// <summary>Runs the service call; its validation errors go beside their fields and the form comes back.</summary>
    protected async Task<IActionResult> SubmitAsync(Func<ItemInput, Task<IActionResult>> save, CancellationToken ct)
    {
        if (!await AcceptUploadAsync(ct))
        {
            await LoadListsAsync(ct);
            return Page();
        }
        try
        {
            return await save(ToInput());
        }
        catch (ItemValidationException e)
        {
            foreach (var (field, messages) in e.Errors)
                foreach (var m in messages) ModelState.AddModelError(FieldOf(field), m);
            await LoadListsAsync(ct);
            return Page();
        }
    }

    /// <summary>The time zone select, the sessions a prompt may belong to, and the files attached so far.</summary>
    protected async Task LoadListsAsync(CancellationToken ct)
    {
        Zones = ZoneOptions(Timezone);
        if (ItemKind == ItemKind.Prompt)
        {
            var sessions = await db.GroupItems.AsNoTracking()
                .Where(i => i.GroupId == Group.Id && i.Kind == ItemKind.Session && i.DeletedAt == null)
                .OrderByDescending(i => i.StartsAtLocal).Take(50).ToListAsync(ct);
            // The prompt's own session is always offered, or the select shows "None" and saving unlinks it.
            if (long.TryParse(SessionId, NumberStyles.None, CultureInfo.InvariantCulture, out var chosen) && sessions.All(s => s.Id != chosen)
                && await db.GroupItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == chosen && i.GroupId == Group.Id
                    && i.Kind == ItemKind.Session && i.DeletedAt == null, ct) is { } older)
                sessions.Add(older);
            Sessions = [("", "None"), .. sessions.Select(s => (s.Id.ToString(CultureInfo.InvariantCulture),
                $"{WorkspaceService.TitleOf(s)} – {Local(s.StartsAtLocal!.Value, s.TimeZone!)}"))];
        }
        var keys = MediaIds.Where(k => !string.IsNullOrWhiteSpace(k)).Distinct().ToList();
        var files = keys.Count == 0 ? [] : await db.MediaFiles.AsNoTracking().Where(m => keys.Contains(m.Key)).ToListAsync(ct);
        Attached = keys.Select(k => files.FirstOrDefault(f => f.Key == k)).OfType<MediaFile>().ToList();
    }

    /// <summary>The zone of the last session this person wrote, or UTC: the form's starting zone.</summary>
    protected async Task<string> LastZoneAsync(CancellationToken ct)
    {
        if (Group.DefaultTimeZone is { } zone && SessionTime.IsValidZone(zone)) return zone; // the group's settings first
        if (Person is null) return "UTC";
        var last = await db.GroupItems.AsNoTracking().Where(i => i.AuthorId == Person.Id && i.Kind == ItemKind.Session && i.TimeZone != null)
            .OrderByDescending(i => i.Id).Select(i => i.TimeZone).FirstOrDefaultAsync(ct);
        return SessionTime.IsValidZone(last) ? last! : "UTC";
    }

    /// <summary>Fills the form from a stored item (edit): instants are shown in <paramref name="zone"/>.</summary>
    protected void Fill(GroupItem item, string zone)
    {
        Timezone = zone;
        Title = item.Title;
        Text = item.Content;
        Choices = item.ChoicesJson is null ? null : string.Join("\n", StoredJson.ReadStrings(item.ChoicesJson));
        Multiple = item.MultipleChoice;
        ClosesAt = ToLocalText(item.ClosesAt, zone);
        PublishAt = item.PublishedAt is null ? ToLocalText(item.PublishAt, zone) : null;
        SessionId = item.SessionId?.ToString(CultureInfo.InvariantCulture);
        Links = item.LinksJson is null ? null : string.Join("\n", StoredJson.ReadLinks(item.LinksJson)
            .Select(l => l.Title is null ? l.Url : $"{l.Url} {l.Title}"));
        MediaIds = StoredJson.ReadStrings(item.MediaIdsJson).ToList();
        Pinned = item.Pinned;
        StartsAt = item.StartsAtLocal?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        EndsAt = item.EndsAtLocal?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        JoinUrl = item.JoinUrl;
        Place = item.Place;
        Capacity = item.Capacity?.ToString(CultureInfo.InvariantCulture);
        RequireApproval = item.RequireApproval;
        Cancelled = item.Cancelled;
        Notes = item.Notes;
        RecordingUrl = item.RecordingUrl;
    }

    private static string? ToLocalText(DateTime? utc, string zone)
    {
        if (utc is null || !SessionTime.IsValidZone(zone)) return null;
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc.Value, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById(zone));
        return local.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>Stores a newly chosen file (materials only) and keeps its key; false when the file was refused.</summary>
    private async Task<bool> AcceptUploadAsync(CancellationToken ct)
    {
        if (Upload is null || Upload.Length == 0) return true;
        if (ItemKind != ItemKind.Material)
        {
            ModelState.AddModelError("", "Only materials have attached files.");
            return false;
        }
        if (Person is null)
        {
            ModelState.AddModelError("file", "Your account has no profile on this node to upload as.");
            return false;
        }
        if (MediaIds.Count >= 10)
        {
            ModelState.AddModelError("file", "At most 10 files: untick one to make room.");
            return false;
        }
        try
        {
            await using var stream = Upload.OpenReadStream();
            var saved = await media.SaveAsync(Person, stream, Upload.FileName, FileDescription, ct);
            MediaIds.Add(saved.Key);
            FileDescription = null;
            ModelState.Remove("fileDescription");
            return true;
        }
        catch (ItemValidationException e)
        {
            foreach (var m in e.Errors.SelectMany(x => x.Value)) ModelState.AddModelError("file", m);
            return false;
        }
    }

    /// <summary>Errors about fields this form does not show go to the top of the form.</summary>
    private static string FieldOf(string key) => key is "title" or "content" or "choices" or "multiple" or "closesAt" or "publishAt" or "timezone"
        or "startsAt" or "endsAt" or "joinUrl" or "place" or "capacity" or "requireApproval" or "links" or "pinned" or "sessionId"
        or "mediaIds" or "notes" or "recordingUrl" ? key : "";

    /// <summary>Every IANA zone this machine knows, UTC first; the current value is always among them.</summary>
    private static IReadOnlyList<(string Value, string Text)> ZoneOptions(string? current)
    {
        var zones = AllZones.Value;
        if (!string.IsNullOrWhiteSpace(current) && zones.All(z => z.Value != current))
            return [(current, current), .. zones];
        return zones;
    }

    private static readonly Lazy<IReadOnlyList<(string Value, string Text)>> AllZones = new(() =>
    {
        var list = TimeZoneInfo.GetSystemTimeZones().Where(z => z.Id != "UTC" && SessionTime.IsValidZone(z.Id))
            .OrderBy(z => z.Id, StringComparer.Ordinal)
            .Select(z => (z.Id, $"{z.Id} (UTC{(z.BaseUtcOffset < TimeSpan.Zero ? "-" : "+")}{z.BaseUtcOffset:hh\\:mm})"))
            .ToList();
        return [("UTC", "UTC"), .. list];
    });

    /// <summary>The form as the service's input; a field it cannot read becomes a format error, never an exception.</summary>
    internal ItemInput ToInput()
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
        long? sessionId = null;
        if (kind == ItemKind.Prompt && !string.IsNullOrWhiteSpace(SessionId))
        {
            if (long.TryParse(SessionId, NumberStyles.None, CultureInfo.InvariantCulture, out var sid)) sessionId = sid;
            else errors["sessionId"] = ["Choose one of this group's sessions."];
        }
        var choices = Lines(Choices);
        var keys = MediaIds.Where(k => !string.IsNullOrWhiteSpace(k)).Distinct().ToList();
        return new ItemInput
        {
            Title = kind == ItemKind.Prompt ? null : Blank(Title),
            Content = Text ?? "",
            PublishAt = AlreadyPublished ? null : Instant(PublishAt, "publishAt", zone, errors),
            Choices = kind == ItemKind.Prompt && choices.Count > 0 ? choices : null,
            Multiple = kind == ItemKind.Prompt && choices.Count > 0 ? Multiple : null,
            ClosesAt = kind == ItemKind.Prompt ? Instant(ClosesAt, "closesAt", zone, errors) : null,
            SessionId = sessionId,
            Links = kind == ItemKind.Material ? Lines(Links).Select(ToLink).ToList() : null,
            MediaIds = kind == ItemKind.Material && keys.Count > 0 ? keys : null,
            Pinned = kind == ItemKind.Material ? Pinned : null,
            StartsAt = kind == ItemKind.Session ? LocalTime(StartsAt, "startsAt", errors) : null,
            EndsAt = kind == ItemKind.Session ? LocalTime(EndsAt, "endsAt", errors) : null,
            Timezone = kind == ItemKind.Session ? zone : null,
            JoinUrl = kind == ItemKind.Session ? Blank(JoinUrl) : null,
            Place = kind == ItemKind.Session ? Blank(Place) : null,
            Capacity = kind == ItemKind.Session ? capacity : null,
            RequireApproval = kind == ItemKind.Session ? RequireApproval : null,
            Cancelled = kind == ItemKind.Session && IsEdit ? Cancelled : null,
            Notes = kind == ItemKind.Session && IsEdit ? Blank(Notes) : null,
            RecordingUrl = kind == ItemKind.Session && IsEdit ? Blank(RecordingUrl) : null,
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

    private static DateTime? LocalTime(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!DateTime.TryParseExact(value.Trim(), LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            errors[field] = [$"\"{value}\" is not a date and time like 2027-03-15 16:30."];
            return null;
        }
        // Checked here as well as by the service: far outside these years a time in a zone has no instant to convert to.
        if (!ItemDates.InRange(local))
        {
            errors[field] = [ItemDates.OutOfRange];
            return null;
        }
        return DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
    }

    /// <summary>A wall-clock time in the form's zone, as the instant the service stores.</summary>
    private static DateTimeOffset? Instant(string? value, string field, string? zone, Dictionary<string, string[]> errors)
    {
        var local = LocalTime(value, field, errors);
        if (local is null) return null;
        if (!SessionTime.IsValidZone(zone))
        {
            errors["timezone"] = ["Give the IANA time zone these times are in, e.g. Europe/Amsterdam or UTC."];
            return null;
        }
        return SessionTime.ToInstant(local.Value, zone!);
    }
}
