using System.Text;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>
/// /g/{name}/{prompts|posts|materials|sessions}: all of a group's published objects of one kind, a page at a time
/// (Endpoints/ObjectEndpoints loads them). The group's page lists only the latest few of each.
/// </summary>
public static class ItemListPage
{
    public const int PerPage = 50;

    public static IResult Result(LocalActor group, ItemKind kind, ActorUrls urls, IReadOnlyList<GroupItem> items, int total, int page, int pages)
    {
        var what = kind switch
        {
            ItemKind.Prompt => "Prompts",
            ItemKind.Post => "Posts",
            ItemKind.Material => "Library",
            _ => "Sessions",
        };
        var order = kind switch
        {
            ItemKind.Session => "latest start first",
            ItemKind.Material => "pinned first, then newest",
            _ => "newest first",
        };
        var self = urls.Items(group.Name, kind);
        var body = new StringBuilder();
        body.Append($"<p class=\"muted\"><a href=\"{E(urls.Actor(group))}\">{E(group.DisplayName)}</a> <span class=\"handle\">{E(urls.Handle(group))}</span></p>");
        body.Append($"<h1>{what}</h1>");
        if (total == 0)
            body.Append($"<p class=\"muted\">Nothing published here yet.</p>");
        else
        {
            body.Append($"<p class=\"muted\">{total} in all, {order}{(pages > 1 ? $"; page {page} of {pages}" : "")}.</p><ul class=\"items\">");
            foreach (var item in items)
            {
                var link = E(urls.Item(group.Name, item.Kind, item.Id));
                body.Append(kind == ItemKind.Session ? GroupPage.SessionLine(item, link) : GroupPage.ItemLine(item, link));
            }
            body.Append("</ul>");
        }
        body.Append(Paging.NewerOlder($"Pages of {what.ToLowerInvariant()}", self, page, pages));
        return HtmlLayout.Result($"{what} · {group.DisplayName}", body.ToString(), urls.Actor(group) + "/outbox");
    }
}
