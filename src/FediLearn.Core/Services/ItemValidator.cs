using FediLearn.Core.Data.Entities;
using FediLearn.Core.Feeds;

namespace FediLearn.Core.Services;

/// <summary>Checks a submission against what each kind needs; collects every problem, keyed by API field name.</summary>
internal sealed class ItemValidator
{
    public const int MaxTitle = 200;
    public const int MaxContent = 50_000;
    public const int MaxLinks = 20;
    public const int MaxMedia = 10;

    private readonly Dictionary<string, List<string>> _errors = new();

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>Every problem found so far, by API field name.</summary>
    public IReadOnlyDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void ThrowIfAny()
    {
        if (_errors.Count > 0) throw new ItemValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    /// <param name="publishedAt">When the item was published; null on creation and on an edit of an item not yet published.
    /// Only then is <see cref="ItemInput.PublishAt"/> read (it schedules or reschedules the item); an edit of a published
    /// item ignores it, and its closing time is compared with this actual publication.</param>
    public void Validate(ItemKind kind, ItemInput input, DateTimeOffset now, DateTimeOffset? publishedAt)
    {
        var schedules = publishedAt is null;
        foreach (var (field, messages) in input.FormatErrors ?? new Dictionary<string, string[]>())
            foreach (var message in messages) Add(field, message);
        if (kind is ItemKind.Material or ItemKind.Session && string.IsNullOrWhiteSpace(input.Title))
            Add("title", $"A {kind.ToString().ToLowerInvariant()} needs a title.");
        if (input.Title is { Length: > MaxTitle }) Add("title", $"At most {MaxTitle} characters.");
        if (kind is ItemKind.Prompt or ItemKind.Post && string.IsNullOrWhiteSpace(input.Content))
            Add("content", $"A {kind.ToString().ToLowerInvariant()} needs content (Markdown).");
        if (input.Content is { Length: > MaxContent }) Add("content", $"At most {MaxContent} characters.");
        if (schedules && input.PublishAt is { } publishAt && publishAt > now.AddYears(2)) Add("publishAt", "At most two years ahead.");
        foreach (var (field, value) in new (string, DateTimeOffset?)[] { ("publishAt", schedules ? input.PublishAt : null), ("closesAt", input.ClosesAt) })
            if (value is { } instant && !ItemDates.InRange(instant)) Add(field, ItemDates.OutOfRange);
        foreach (var (field, value) in new (string, DateTime?)[] { ("startsAt", input.StartsAt), ("endsAt", input.EndsAt) })
            if (value is { } local && !ItemDates.InRange(local)) Add(field, ItemDates.OutOfRange);

        if (kind != ItemKind.Prompt)
        {
            if (input.Choices is not null) Add("choices", "Only prompts have choices.");
            if (input.ClosesAt is not null) Add("closesAt", "Only prompts (check-ins) close.");
            if (input.SessionId is not null) Add("sessionId", "Only a prompt can be linked to a session.");
            if (input.Multiple == true) Add("multiple", "Only a check-in with choices allows multiple answers.");
        }
        if (kind != ItemKind.Material)
        {
            if (input.Links is not null) Add("links", "Only materials have links.");
            if (input.MediaIds is not null) Add("mediaIds", "Only materials have attached files.");
            // false is what every kind is, so only a pin that would be lost is refused (the same for the flags below).
            if (input.Pinned == true) Add("pinned", "Only materials can be pinned.");
        }
        if (kind != ItemKind.Session)
        {
            foreach (var (field, value) in new (string, object?)[] { ("startsAt", input.StartsAt), ("endsAt", input.EndsAt), ("timezone", input.Timezone), ("joinUrl", input.JoinUrl), ("place", input.Place), ("capacity", input.Capacity), ("notes", input.Notes), ("recordingUrl", input.RecordingUrl) })
                if (value is not null) Add(field, "Only sessions have this field.");
            if (input.RequireApproval == true) Add("requireApproval", "Only sessions take attendance requests.");
            if (input.Cancelled == true) Add("cancelled", "Only sessions can be cancelled.");
        }

        switch (kind)
        {
            case ItemKind.Prompt: ValidatePrompt(input, now, publishedAt); break;
            case ItemKind.Material: ValidateMaterial(input); break;
            case ItemKind.Session: ValidateSession(input); break;
        }
    }

    private void ValidatePrompt(ItemInput input, DateTimeOffset now, DateTimeOffset? publishedAt)
    {
        if (input.Choices is { } choices)
        {
            if (choices.Count is < 2 or > 20) Add("choices", "A check-in has between 2 and 20 choices.");
            // A JSON null in the list (["a", null]) arrives as a null string: refused here, and left out of the next check.
            if (choices.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 100)) Add("choices", "Each choice has 1 to 100 characters.");
            else if (choices.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != choices.Count) Add("choices", "Choices must differ.");
        }
        if (input.Multiple == true && input.Choices is null) Add("multiple", "Only a check-in with choices allows multiple answers.");
        if (input.ClosesAt is { } closes)
        {
            if (input.Choices is null) Add("closesAt", "Only a check-in with choices closes.");
            // A published check-in is compared with when it went out, so an edit may keep a closing time now past.
            if (closes <= (publishedAt ?? input.PublishAt ?? now)) Add("closesAt", "The closing time must be after publication.");
        }
    }

    private void ValidateMaterial(ItemInput input)
    {
        if (input.Links is { } links)
        {
            if (links.Count > MaxLinks) Add("links", $"At most {MaxLinks} links.");
            // A JSON null in the list ([null]) arrives as a null link.
            if (links.Any(l => l is null || !IsHttpUrl(l.Url))) Add("links", "Each link needs an absolute http(s) url.");
            if (links.Any(l => l?.Title is { Length: > MaxTitle })) Add("links", $"Link titles have at most {MaxTitle} characters.");
        }
        if (input.MediaIds is { Count: > MaxMedia }) Add("mediaIds", $"At most {MaxMedia} files.");
    }

    private void ValidateSession(ItemInput input)
    {
        if (input.StartsAt is null && !_errors.ContainsKey("startsAt")) Add("startsAt", "A session needs a start (local date-time without offset, e.g. 2027-03-15T16:30).");
        if (input.EndsAt is null && !_errors.ContainsKey("endsAt")) Add("endsAt", "A session needs an end (local date-time without offset).");
        if (input.StartsAt is { } s && input.EndsAt is { } e)
        {
            if (e <= s) Add("endsAt", "The end must be after the start.");
            else if (e - s > TimeSpan.FromDays(14)) Add("endsAt", "A session lasts at most 14 days.");
        }
        if (string.IsNullOrWhiteSpace(input.Timezone)) Add("timezone", "A session needs an IANA timezone, e.g. Europe/Amsterdam.");
        else if (!SessionTime.IsValidZone(input.Timezone)) Add("timezone", $"\"{input.Timezone}\" is not a known IANA timezone (e.g. Europe/Amsterdam, America/New_York).");
        else if (input.StartsAt is { } start && input.EndsAt is { } end && end > start && ItemDates.InRange(start) && ItemDates.InRange(end)
                 && SessionTime.ToInstant(end, input.Timezone) <= SessionTime.ToInstant(start, input.Timezone))
            // A start in the hour the clocks skip forward is read with the offset before the gap (an hour later in fact),
            // so an end within that hour comes before it: every renderer of the session would then refuse it.
            Add("endsAt", $"The end must be after the start: in {input.Timezone} the clocks skip forward between them, so {start:HH:mm} does not exist that day. Give a start after the change.");
        if (input.JoinUrl is null && string.IsNullOrWhiteSpace(input.Place)) Add("joinUrl", "A session needs a joinUrl (video link) and/or a place.");
        if (input.JoinUrl is { } join && !IsHttpUrl(join)) Add("joinUrl", "The join link must be an absolute http(s) URL.");
        if (input.RecordingUrl is { } rec && !IsHttpUrl(rec)) Add("recordingUrl", "The recording link must be an absolute http(s) URL.");
        if (input.Place is { Length: > MaxTitle }) Add("place", $"At most {MaxTitle} characters.");
        if (input.Capacity is < 1 or > 100_000) Add("capacity", "Capacity is between 1 and 100000.");
        if (input.Notes is { Length: > MaxContent }) Add("notes", $"At most {MaxContent} characters.");
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && !string.IsNullOrEmpty(uri.Host);
}
