using FediLearn.Core.Data;
using System.Net;
using FediLearn.Core.Data.Entities;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation.Objects;

/// <summary>
/// A prompt is a Note that learners answer by replying; a check-in with choices is a Question (poll) with oneOf/anyOf
/// and endTime (federation.md item 12). A reflection prompt replies to its session, so it sits in the session's thread.
/// </summary>
internal static class PromptRenderer
{
    public static JObject Render(GroupObjectRenderer r, GroupItem item, ObjectContext context)
    {
        var choices = StoredJson.ReadStrings(item.ChoicesJson);
        var isQuestion = choices.Count > 0;
        var extra = isQuestion ? new JObject { ["toot"] = "http://joinmastodon.org/ns#", ["votersCount"] = "toot:votersCount" } : null;
        var doc = r.Base(item, context, isQuestion ? "Question" : "Note", extra);
        // Mastodon shows a Note's content, not its name; a Note with a name would read as a poll vote elsewhere.
        doc["content"] = PostRenderer.WithTitle(item);
        if (isQuestion)
        {
            doc[item.MultipleChoice ? "anyOf" : "oneOf"] = new JArray(choices.Select(c => new JObject
            {
                ["type"] = "Note",
                ["name"] = c,
                ["replies"] = new JObject { ["type"] = "Collection", ["totalItems"] = context.VotesByChoice?.GetValueOrDefault(c) ?? 0 },
            }));
            doc["votersCount"] = context.Voters;
            if (item.ClosesAt is { } closes)
            {
                doc["endTime"] = GroupObjectRenderer.Time(closes);
                if (closes <= DateTime.UtcNow) doc["closed"] = GroupObjectRenderer.Time(closes);
            }
        }
        if (context.Session is { } session)
        {
            var sessionId = r.Id(session, context.Group);
            doc["inReplyTo"] = sessionId;
            doc["context"] = $"{sessionId}/context";
        }
        return doc;
    }
}

/// <summary>A post is a Note: an announcement or a discussion starter.</summary>
internal static class PostRenderer
{
    public static JObject Render(GroupObjectRenderer r, GroupItem item, ObjectContext context)
    {
        var doc = r.Base(item, context, "Note");
        doc["content"] = WithTitle(item);
        return doc;
    }

    /// <summary>Mastodon shows only a Note's content, so a title becomes its first, bold line.</summary>
    public static string WithTitle(GroupItem item) =>
        string.IsNullOrWhiteSpace(item.Title)
            ? item.ContentHtml
            : $"<p><strong>{WebUtility.HtmlEncode(item.Title)}</strong></p>{item.ContentHtml}";
}
