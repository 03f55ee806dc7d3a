using FediLearn.Core.Data.Entities;
using FediLearn.Core.Data;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Feeds;

namespace FediLearn.Web.Api;

/// <summary>What the API returns for an item: its public ActivityPub id first, then its fields as submitted.</summary>
public sealed record ItemResponse(
    string Id, long LocalId, string Kind, string Group, string? Title, string Content, string ContentHtml,
    DateTimeOffset? PublishAt, DateTimeOffset? PublishedAt, DateTimeOffset? EditedAt, bool Deleted,
    IReadOnlyList<string>? Choices, bool? Multiple, DateTimeOffset? ClosesAt, long? SessionId,
    IReadOnlyList<MaterialLink>? Links, IReadOnlyList<string>? MediaIds, bool? Pinned,
    string? StartsAt, string? EndsAt, string? Timezone, string? JoinUrl, string? Place, int? Capacity, bool? RequireApproval,
    bool? Cancelled, string? Notes, string? RecordingUrl, string? Summary)
{
    public static ItemResponse From(GroupItem item, LocalActor group, ActorUrls urls)
    {
        var prompt = item.Kind == ItemKind.Prompt;
        var material = item.Kind == ItemKind.Material;
        var session = item.Kind == ItemKind.Session;
        return new ItemResponse(
            urls.Item(group.Name, item.Kind, item.Id), item.Id, item.Kind.ToString().ToLowerInvariant(), group.Name,
            item.Title, item.Content, item.ContentHtml,
            Utc(item.PublishAt), Utc(item.PublishedAt), Utc(item.EditedAt), item.DeletedAt is not null,
            prompt && item.ChoicesJson is not null ? StoredJson.ReadStrings(item.ChoicesJson) : null,
            prompt ? item.MultipleChoice : null, prompt ? Utc(item.ClosesAt) : null, prompt ? item.SessionId : null,
            material ? StoredJson.ReadLinks(item.LinksJson) : null, material ? StoredJson.ReadStrings(item.MediaIdsJson) : null,
            material ? item.Pinned : null,
            session ? item.StartsAtLocal?.ToString("yyyy-MM-ddTHH:mm:ss") : null, session ? item.EndsAtLocal?.ToString("yyyy-MM-ddTHH:mm:ss") : null,
            session ? item.TimeZone : null, session ? item.JoinUrl : null, session ? item.Place : null, session ? item.Capacity : null,
            session ? item.RequireApproval : null, session ? item.Cancelled : null, session ? item.Notes : null, session ? item.RecordingUrl : null,
            session ? SessionTime.Summary(item.StartsAtLocal!.Value, item.EndsAtLocal!.Value, item.TimeZone!, item.JoinUrl, item.Place) : null);
    }

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
