using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation.Objects;

/// <summary>
/// Renders a group item as its ActivityStreams object, choosing the renderer for its kind (one per type:
/// <see cref="PromptRenderer"/>, <see cref="PostRenderer"/>, <see cref="MaterialRenderer"/>, <see cref="SessionRenderer"/>).
/// The fields every group object carries come from here (federation.md item 10).
/// </summary>
public sealed class GroupObjectRenderer(ActorUrls urls)
{
    public const string MarkdownMediaType = "text/markdown";

    public JObject Render(GroupItem item, ObjectContext context)
    {
        if (item.DeletedAt is not null) return Tombstone(item, context.Group);
        return item.Kind switch
        {
            ItemKind.Prompt => PromptRenderer.Render(this, item, context),
            ItemKind.Post => PostRenderer.Render(this, item, context),
            ItemKind.Material => MaterialRenderer.Render(this, item, context),
            _ => SessionRenderer.Render(this, item, context),
        };
    }

    public ActorUrls Urls => urls;

    public string Id(GroupItem item, LocalActor group) => urls.Item(group.Name, item.Kind, item.Id);

    /// <summary>The shared skeleton: id, type, attribution, addressing, the group mention, threads, times, content and source.</summary>
    internal JObject Base(GroupItem item, ObjectContext context, string type, JToken? extraContext = null)
    {
        var group = context.Group;
        var id = Id(item, group);
        var groupId = urls.Actor(group);
        var ctx = new JArray(JsonLdContexts.ActivityStreams);
        if (extraContext is not null) ctx.Add(extraContext);
        var doc = new JObject
        {
            ["@context"] = ctx,
            ["id"] = id,
            ["type"] = type,
            ["attributedTo"] = groupId,
            // Group objects are public; every one cc's the group's followers and mentions the group (design.md §1).
            // A members-only group's are addressed to its followers alone (Mastodon: followers-only).
            ["to"] = group.MembersOnly ? new JArray(urls.Followers(group)) : new JArray(Vocabulary.Public),
            ["cc"] = group.MembersOnly ? new JArray(groupId) : new JArray(urls.Followers(group), groupId),
            ["audience"] = groupId,
            ["url"] = id,
            ["published"] = Time(item.PublishedAt ?? item.CreatedAt),
            ["context"] = $"{id}/context",
            ["replies"] = $"{id}/replies",
            ["sensitive"] = false,
        };
        if (item.EditedAt is { } edited) doc["updated"] = Time(edited);
        doc["content"] = item.ContentHtml;
        doc["mediaType"] = "text/html";
        doc["source"] = new JObject { ["content"] = item.Content, ["mediaType"] = MarkdownMediaType };
        doc["tag"] = Tags(item, group);
        return doc;
    }

    /// <summary>The group's own Mention first (so a Mastodon reply reaches its inbox), then the content's mentions and hashtags.</summary>
    private JArray Tags(GroupItem item, LocalActor group)
    {
        var tags = new JArray(new JObject { ["type"] = "Mention", ["href"] = urls.Actor(group), ["name"] = urls.Handle(group) });
        var stored = StoredJson.ReadArray(item.TagsJson);
        foreach (var tag in stored.OfType<JObject>())
        {
            if (tag.Value<string>("href") == urls.Actor(group)) continue;
            tags.Add(tag);
        }
        return tags;
    }

    public JObject Tombstone(GroupItem item, LocalActor group) => new()
    {
        ["@context"] = JsonLdContexts.ActivityStreams,
        ["id"] = Id(item, group),
        ["type"] = "Tombstone",
        ["formerType"] = TypeOf(item),
        ["deleted"] = Time(item.DeletedAt ?? DateTime.UtcNow),
    };

    public static string TypeOf(GroupItem item) => item.Kind switch
    {
        ItemKind.Prompt => item.ChoicesJson is null ? "Note" : "Question",
        ItemKind.Post => "Note",
        ItemKind.Material => "Article",
        _ => "Event",
    };

    public static string Time(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ");

    public static string Time(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");

    internal static class Vocabulary
    {
        public const string Public = "https://www.w3.org/ns/activitystreams#Public";
    }
}
