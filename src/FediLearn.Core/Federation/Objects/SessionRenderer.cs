using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Feeds;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation.Objects;

/// <summary>
/// A live session is an Event in Mobilizon's terms (federation.md item 11): start and end with their offset, the IANA
/// timezone, VirtualLocation and/or Place, the join link also as a Link attachment named "Website" (what Mobilizon reads),
/// joinMode, capacity, and a plain summary that a Mastodon reader understands alone. Notes and the recording, added
/// after the session, are part of its content and attachments.
/// </summary>
internal static class SessionRenderer
{
    private static JObject ContextTerms() => new()
    {
        ["mz"] = "https://joinmobilizon.org/ns#",
        ["sc"] = "http://schema.org#",
        ["ical"] = "http://www.w3.org/2002/12/cal/ical#",
        ["joinMode"] = new JObject { ["@id"] = "mz:joinMode", ["@type"] = "mz:joinModeType" },
        ["timezone"] = new JObject { ["@id"] = "mz:timezone", ["@type"] = "sc:Text" },
        ["participantCount"] = new JObject { ["@id"] = "mz:participantCount", ["@type"] = "sc:Integer" },
        ["anonymousParticipationEnabled"] = new JObject { ["@id"] = "mz:anonymousParticipationEnabled", ["@type"] = "sc:Boolean" },
        ["isOnline"] = new JObject { ["@id"] = "mz:isOnline", ["@type"] = "sc:Boolean" },
        ["maximumAttendeeCapacity"] = "sc:maximumAttendeeCapacity",
        ["remainingAttendeeCapacity"] = "sc:remainingAttendeeCapacity",
        ["VirtualLocation"] = "sc:VirtualLocation",
        ["status"] = new JObject { ["@id"] = "ical:status", ["@type"] = "ical:status" },
    };

    public static JObject Render(GroupObjectRenderer r, GroupItem item, ObjectContext context)
    {
        var doc = r.Base(item, context, "Event", ContextTerms());
        var zone = item.TimeZone!;
        var start = item.StartsAtLocal!.Value;
        var end = item.EndsAtLocal!.Value;
        doc["name"] = item.Title ?? "";
        doc["summary"] = (item.Cancelled ? "CANCELLED · " : "") + SessionTime.Summary(start, end, zone, item.JoinUrl, item.Place);
        doc["startTime"] = Local(start, zone);
        doc["endTime"] = Local(end, zone);
        doc["timezone"] = zone;
        doc["status"] = item.Cancelled ? "CANCELLED" : "CONFIRMED";
        doc["joinMode"] = item.RequireApproval ? "restricted" : "free";
        doc["anonymousParticipationEnabled"] = false;
        doc["isOnline"] = item.JoinUrl is not null;
        doc["participantCount"] = context.Participants;
        if (item.Capacity is { } capacity)
        {
            doc["maximumAttendeeCapacity"] = capacity;
            doc["remainingAttendeeCapacity"] = Math.Max(capacity - context.Participants, 0);
        }

        var locations = new JArray();
        if (item.JoinUrl is { } join) locations.Add(new JObject { ["type"] = "VirtualLocation", ["url"] = join, ["name"] = "Online" });
        if (item.Place is { } place) locations.Add(new JObject { ["type"] = "Place", ["name"] = place });
        if (locations.Count == 1) doc["location"] = locations[0];
        else if (locations.Count > 1) doc["location"] = locations;

        var content = new StringBuilder(item.ContentHtml);
        var attachments = new JArray();
        if (item.JoinUrl is { } website)
            attachments.Add(new JObject { ["type"] = "Link", ["name"] = "Website", ["href"] = website, ["mediaType"] = "text/html" });
        if (item.RecordingUrl is { } recording)
        {
            attachments.Add(new JObject { ["type"] = "Link", ["name"] = "Recording", ["href"] = recording, ["mediaType"] = "text/html" });
            content.Append($"<p><strong>Recording:</strong> <a href=\"{System.Net.WebUtility.HtmlEncode(recording)}\" rel=\"nofollow noopener\">{System.Net.WebUtility.HtmlEncode(recording)}</a></p>");
        }
        if (!string.IsNullOrEmpty(item.NotesHtml))
            content.Append("<p><strong>Notes</strong></p>").Append(item.NotesHtml);
        doc["content"] = content.ToString();
        if (attachments.Count > 0) doc["attachment"] = attachments;
        return doc;
    }

    /// <summary>ISO 8601 with the zone's offset at that moment, e.g. 2027-03-15T16:30:00+01:00.</summary>
    internal static string Local(DateTime local, string zone)
    {
        var instant = SessionTime.ToInstant(local, zone);
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        return TimeZoneInfo.ConvertTime(instant, tz).ToString("yyyy-MM-ddTHH:mm:sszzz");
    }
}
