using FediLearn.Core.Data;
using System.Net;
using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Text;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation.Objects;

/// <summary>
/// A material is an Article: Mastodon shows its name, its summary and a link, and imports at most four attachments,
/// so uploaded files come first, in the order the facilitator gave, then links (reference/federation.md §2).
/// </summary>
internal static class MaterialRenderer
{
    public static JObject Render(GroupObjectRenderer r, GroupItem item, ObjectContext context)
    {
        var doc = r.Base(item, context, "Article");
        doc["name"] = item.Title ?? "";
        var links = StoredJson.ReadLinks(item.LinksJson);
        var content = new StringBuilder(item.ContentHtml);
        if (links.Count > 0)
        {
            content.Append("<ul>");
            foreach (var link in links)
                content.Append($"<li><a href=\"{WebUtility.HtmlEncode(link.Url)}\" rel=\"nofollow noopener\">{WebUtility.HtmlEncode(link.Title ?? link.Url)}</a></li>");
            content.Append("</ul>");
        }
        doc["content"] = content.ToString();
        doc["summary"] = PlainText.FromHtml(item.ContentHtml, 400);

        var attachments = new JArray();
        foreach (var media in context.Media)
        {
            attachments.Add(new JObject
            {
                ["type"] = media.ContentType.StartsWith("image/", StringComparison.Ordinal) ? "Image"
                    : media.ContentType.StartsWith("video/", StringComparison.Ordinal) ? "Video"
                    : media.ContentType.StartsWith("audio/", StringComparison.Ordinal) ? "Audio" : "Document",
                ["mediaType"] = media.ContentType,
                ["url"] = r.Urls.Media(media.Key),
                ["name"] = media.Description ?? media.FileName,
            });
        }
        foreach (var link in links)
            attachments.Add(new JObject { ["type"] = "Link", ["href"] = link.Url, ["name"] = link.Title ?? link.Url, ["mediaType"] = "text/html" });
        if (attachments.Count > 0) doc["attachment"] = attachments;
        return doc;
    }
}
