using System.Globalization;

namespace FediLearn.Web;

/// <summary>
/// Lists shown to people a page at a time (<c>?page=N</c>, 1 first): the workspace's items, followers and responses, an
/// item's public discussion, a group's public lists. Which page a request asks for, how many pages there are, and the
/// address of one.
/// </summary>
public static class Paging
{
    /// <summary>Pages needed for <paramref name="total"/> entries, <paramref name="perPage"/> a page; an empty list is one page.</summary>
    public static int Count(int total, int perPage) => Math.Max(1, (total + perPage - 1) / perPage);

    /// <summary>
    /// The <c>?page=N</c> of a paged list, at least 1 and at most <paramref name="last"/>. Read from the query string
    /// itself: "page" is also Razor Pages' route value (the page's own path), which model binding reads before the query
    /// string, so a bound <c>int? page</c> is always null and every page showed the first (the items list until
    /// 2026-12-05).
    /// </summary>
    public static int PageIn(HttpRequest request, int last = 10_000) =>
        Math.Clamp(int.TryParse(request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) ? page : 1, 1, Math.Max(1, last));

    /// <summary>
    /// <paramref name="path"/> on page <paramref name="page"/> (page 1 has no <c>page=</c>), then
    /// <paramref name="query"/>: a page's links, its forms' actions (<c>handler=…</c>) and the redirects back to it.
    /// </summary>
    public static string Link(string path, int page, string? query = null)
    {
        var pageQuery = page > 1 ? $"page={page}" : null;
        var all = string.Join('&', new[] { pageQuery, query }.Where(q => q is not null));
        return all.Length == 0 ? path : $"{path}?{all}";
    }

    /// <summary>
    /// A public list's <i>Newer</i> / <i>Older</i> links (newest first), or nothing when it has one page. The caller's
    /// <paramref name="label"/> is HTML-encoded here.
    /// </summary>
    public static string NewerOlder(string label, string path, int page, int pages)
    {
        if (pages <= 1) return "";
        var nav = new System.Text.StringBuilder($"<nav aria-label=\"{Html.HtmlLayout.E(label)}\"><p>");
        if (page > 1) nav.Append($"<a href=\"{Html.HtmlLayout.E(Link(path, page - 1))}\" rel=\"prev\">Newer</a> ");
        if (page < pages) nav.Append($"<a href=\"{Html.HtmlLayout.E(Link(path, page + 1))}\" rel=\"next\">Older</a>");
        return nav.Append("</p></nav>").ToString();
    }

    /// <summary>
    /// The <c>?page=</c> of an ActivityPub collection or an API list, as sent: null when there is none (absent or empty),
    /// 0, which none of them accepts, when it is not a whole number (<c>abc</c>, one past <see cref="int.MaxValue"/>,
    /// <c>page</c> twice). Bound as <c>int?</c>, such a value failed the binding before the handler ran, and the client
    /// got <c>{"error":"HTTP 400"}</c> or an "Error 400" page that did not say what was wrong; now the handler's message.
    /// </summary>
    public static int? Requested(string? page) =>
        string.IsNullOrEmpty(page) ? null
        : int.TryParse(page, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p
        : 0;
}
