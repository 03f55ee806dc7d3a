using System.Globalization;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Services;

namespace FediLearn.Web.Api;

/// <summary>
/// The JSON body of POST/PUT /api/groups/{name}/{kind} (camelCase). Dates are strings so that each field can be checked
/// with a message naming it: publishAt and closesAt are instants (with an offset or Z), startsAt and endsAt local
/// date-times without an offset, read in the session's timezone.
/// </summary>
public sealed class ItemRequest
{
    public string? Title { get; set; }
    public string? Content { get; set; }
    public string? PublishAt { get; set; }
    public List<string>? Choices { get; set; }
    public bool? Multiple { get; set; }
    public string? ClosesAt { get; set; }
    public long? SessionId { get; set; }
    public List<MaterialLink>? Links { get; set; }
    public List<string>? MediaIds { get; set; }
    public bool? Pinned { get; set; }
    public string? StartsAt { get; set; }
    public string? EndsAt { get; set; }
    public string? Timezone { get; set; }
    public string? JoinUrl { get; set; }
    public string? Place { get; set; }
    public int? Capacity { get; set; }
    public bool? RequireApproval { get; set; }
    public bool? Cancelled { get; set; }
    public string? Notes { get; set; }
    public string? RecordingUrl { get; set; }

    public ItemInput ToInput()
    {
        var errors = new Dictionary<string, string[]>();
        var input = new ItemInput
        {
            Title = Title,
            Content = Content,
            PublishAt = Instant(PublishAt, "publishAt", errors),
            Choices = Choices,
            Multiple = Multiple,
            ClosesAt = Instant(ClosesAt, "closesAt", errors),
            SessionId = SessionId,
            Links = Links,
            MediaIds = MediaIds,
            Pinned = Pinned,
            StartsAt = Local(StartsAt, "startsAt", errors),
            EndsAt = Local(EndsAt, "endsAt", errors),
            Timezone = Timezone,
            JoinUrl = JoinUrl,
            Place = Place,
            Capacity = Capacity,
            RequireApproval = RequireApproval,
            Cancelled = Cancelled,
            Notes = Notes,
            RecordingUrl = RecordingUrl,
            // Reported together with every other problem by the validator, so one request shows all bad fields.
            FormatErrors = errors,
        };
        return input;
    }

    private static DateTimeOffset? Instant(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) && HasOffset(value))
            return instant;
        errors[field] = [$"\"{value}\" is not a date-time with an offset, e.g. 2027-03-15T09:00:00Z or 2027-03-15T10:00:00+01:00."];
        return null;
    }

    private static DateTime? Local(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (!HasOffset(value) && DateTime.TryParseExact(value, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        errors[field] = [$"\"{value}\" is not a local date-time without offset, e.g. 2027-03-15T16:30 (the timezone field says where)."];
        return null;
    }

    private static bool HasOffset(string value)
    {
        var t = value.IndexOf('T') is var i and >= 0 ? value[i..] : value.Length > 10 ? value[10..] : "";
        return t.EndsWith('Z') || t.EndsWith('z') || t.Contains('+') || t.LastIndexOf('-') > 0;
    }
}
