using System.Text;
using System.Text.RegularExpressions;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Endpoints;

/// <summary>
/// <c>/tags/{tag}</c>: what the public groups of this node published with a hashtag. Every hashtag we render links here
/// (its <c>Hashtag</c> tag's <c>href</c>, MarkdownRenderer), as Mastodon's do to its own tag pages; until 2026-12-06 the
/// address answered 404. A browser gets a page of items, newest first; an ActivityPub client the collection of their
/// ids, the shape Mastodon serves for a tag. Members-only groups are left out: their items are not public.
/// </summary>
public static partial class TagEndpoints
{
    public const int PerPage = 50;

    public static void MapTagEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/tags/{tag}", TagAsync);

    private static async Task<IResult> TagAsync(string tag, string? page, HttpContext http, FediLearnDbContext db, ActorUrls urls, CancellationToken ct)
    {
        // As MarkdownRenderer names a tag: its letters, marks, digits and connectors, in lower case.
        var name = tag.ToLowerInvariant();
        if (name.Length > 100 || !TagName().IsMatch(name))
            return ActorEndpoints.NotFound(http, $"\"{tag}\" is not a hashtag");
        // An ActivityPub client is told what is wrong with its ?page= (400), as by every collection; a person gets the
        // page a list shows for it (Paging.PageIn: page 1 for one that is not a page number, the last for one past it),
        // as the item lists and a discussion do, where a browser got a JSON 400 or an empty "page 7 of 2".
        var json = Negotiation.WantsActivityJson(http.Request);
        var asked = Paging.Requested(page) ?? 1;
        if (json && asked is < 1 or > 100_000)
            return ErrorResponses.Json(400, "page must be between 1 and 100000");

        // The stored tags are JSON written by StoredJson.Tags with lower-case names: the fragment matches this tag exactly.
        var fragment = $"\"name\":\"#{name}\"";
        var tagged = db.GroupItems.AsNoTracking()
            .Where(i => i.PublishedAt != null && i.DeletedAt == null && i.TagsJson.Contains(fragment))
            .Join(db.LocalActors.Where(g => g.Kind == ActorKind.Group && !g.MembersOnly), i => i.GroupId, g => g.Id, (i, g) => new { Item = i, Group = g });
        var total = await tagged.CountAsync(ct);
        var pages = Paging.Count(total, PerPage);
        var requested = json ? asked : Paging.PageIn(http.Request, pages);
        var shown = await tagged.OrderByDescending(x => x.Item.PublishedAt).ThenByDescending(x => x.Item.Id)
            .Skip((requested - 1) * PerPage).Take(PerPage).ToListAsync(ct);
        var self = urls.Tag(Uri.EscapeDataString(name));

        if (json)
        {
            return Negotiation.ActivityResult(new JObject
            {
                ["@context"] = JsonLdContexts.ActivityStreams,
                ["id"] = requested == 1 ? self : Paging.Link(self, requested),
                ["type"] = "OrderedCollection",
                ["totalItems"] = total,
                ["orderedItems"] = new JArray(shown.Select(x => urls.Item(x.Group.Name, x.Item.Kind, x.Item.Id))),
            }, http);
        }

        // The page and the collection share this URL: a cache must keep them apart (docs/web.md, public pages).
        http.Response.Headers.Vary = "Accept";
        var body = new StringBuilder($"<h1>#{E(name)}</h1>");
        if (total == 0)
            body.Append($"<p class=\"muted\">Nothing published with #{E(name)} in the public groups of this node yet.</p>");
        else
        {
            body.Append($"<p class=\"muted\">{total} in the public groups of this node, newest first{(pages > 1 ? $"; page {requested} of {pages}" : "")}.</p><ul class=\"items\">");
            foreach (var x in shown)
            {
                var link = E(urls.Item(x.Group.Name, x.Item.Kind, x.Item.Id));
                var where = $" <span class=\"muted\">in <a href=\"{E(urls.Actor(x.Group))}\">{E(x.Group.DisplayName)}</a></span>";
                body.Append(x.Item.Kind == ItemKind.Session ? GroupPage.SessionLine(x.Item, link, where) : GroupPage.ItemLine(x.Item, link, where));
            }
            body.Append("</ul>");
        }
        body.Append(Paging.NewerOlder($"Pages of #{name}", self, requested, pages));
        return HtmlLayout.Result($"#{name}", body.ToString(), self);
    }

    [GeneratedRegex(@"^[\p{L}\p{M}\p{Nd}\p{Pc}]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagName();
}
