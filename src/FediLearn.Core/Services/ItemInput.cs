using FediLearn.Core.Federation.Objects;

namespace FediLearn.Core.Services;

/// <summary>What a facilitator submits for a prompt, post, material or session (API field names in camelCase).</summary>
public sealed record ItemInput
{
    public string? Title { get; init; }
    public string? Content { get; init; }
    public DateTimeOffset? PublishAt { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public bool? Multiple { get; init; }
    public DateTimeOffset? ClosesAt { get; init; }
    public long? SessionId { get; init; }
    public IReadOnlyList<MaterialLink>? Links { get; init; }
    public IReadOnlyList<string>? MediaIds { get; init; }
    public bool? Pinned { get; init; }
    /// <summary>Local wall-clock time in <see cref="Timezone"/>, without an offset.</summary>
    public DateTime? StartsAt { get; init; }
    public DateTime? EndsAt { get; init; }
    public string? Timezone { get; init; }
    public string? JoinUrl { get; init; }
    public string? Place { get; init; }
    public int? Capacity { get; init; }
    public bool? RequireApproval { get; init; }
    public bool? Cancelled { get; init; }
    public string? Notes { get; init; }
    public string? RecordingUrl { get; init; }

    /// <summary>Fields the caller could not even parse (e.g. a date in the wrong form), by field name.</summary>
    public IReadOnlyDictionary<string, string[]>? FormatErrors { get; init; }
}

/// <summary>
/// The years an item's dates may fall in. Far outside them a local time in a zone has no UTC instant .NET can hold
/// (9999-12-31 23:00 in New York), and rendering such an item would fail wherever it is shown or published.
/// </summary>
public static class ItemDates
{
    public const int MinYear = 1900;
    public const int MaxYear = 2200;

    public static readonly string OutOfRange = $"Give a date in the years {MinYear} to {MaxYear}.";

    /// <summary>A local wall-clock time, read as written.</summary>
    public static bool InRange(DateTime local) => local.Year is >= MinYear and <= MaxYear;

    /// <summary>An instant, by its UTC date.</summary>
    public static bool InRange(DateTimeOffset instant) => InRange(instant.UtcDateTime);
}

/// <summary>Invalid input, by field (camelCase, as in the API): becomes a 400 problem naming the fields.</summary>
public sealed class ItemValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("Invalid input: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
