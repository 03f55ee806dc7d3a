using System.Net;

namespace FediLearn.Web.Html;

/// <summary>The page shell for server-rendered HTML: readable, no JavaScript, fine on a phone. Every value is encoded by the caller with <see cref="E"/>.</summary>
public static class HtmlLayout
{
    /// <summary>
    /// The one stylesheet: inlined by <see cref="Page"/> and by the Razor layout (Pages/Shared/_Layout.cshtml), so both look
    /// alike. No comments inside it: they would be sent with every page. (<c>a.button</c>: a link styled as a button gets a
    /// button's height and its text centred.)
    /// </summary>
    public const string Css = """
        :root { color-scheme: light dark; --fg:#1d1d1f; --bg:#fbfaf7; --muted:#5b5b60; --accent:#1f5f8b; --card:#ffffff; --line:#dedad2; --error:#b00020; --ok:#1b6e3a; }
        @media (prefers-color-scheme: dark) { :root { --fg:#ecebe8; --bg:#17181a; --muted:#a9a9ad; --accent:#8cc4ee; --card:#212225; --line:#3a3b3f; --error:#ff8a8a; --ok:#7fd49b; } }
        body { font: 17px/1.55 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
        main { max-width: 44rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
        a { color: var(--accent); }
        h1 { font-size: 1.8rem; line-height: 1.2; margin: .5rem 0; }
        .handle { color: var(--muted); font-family: ui-monospace, monospace; font-size: .95rem; word-break: break-all; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.2rem; margin: 1rem 0; }
        .muted { color: var(--muted); }
        code { background: var(--line); padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
        ul.groups { list-style: none; padding: 0; }
        header.site { border-bottom: 1px solid var(--line); padding: .6rem 1rem; }
        header.site a { text-decoration: none; font-weight: 600; }
        header.site { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; align-items: center; }
        header.site nav { display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: center; margin-left: auto; }
        header.site nav a { font-weight: 500; }
        header.site form { margin: 0; }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
        label.check { display: flex; gap: .5rem; align-items: center; font-weight: 500; }
        input[type=text], input[type=email], input[type=password], input[type=url], input[type=number], input[type=date], input[type=datetime-local], input[type=file], select, textarea { width: 100%; box-sizing: border-box; font: inherit; padding: .55rem .65rem; color: var(--fg); background: var(--bg); border: 1px solid var(--muted); border-radius: 6px; }
        input[aria-invalid=true], select[aria-invalid=true], textarea[aria-invalid=true] { border-color: var(--error); border-width: 2px; }
        .hint { color: var(--muted); font-size: .92rem; margin: .2rem 0 0; }
        .field-error { color: var(--error); font-weight: 600; font-size: .95rem; margin: .25rem 0 0; }
        .alert { border-left: 4px solid var(--error); background: var(--card); padding: .7rem 1rem; margin: 1rem 0; }
        .notice { border-left: 4px solid var(--ok); background: var(--card); padding: .7rem 1rem; margin: 1rem 0; }
        button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .55rem 1.1rem; margin-top: 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; text-decoration: none; min-height: 2.75rem; }
        button.secondary, .button.secondary { background: transparent; color: var(--accent); }
        a.button { display: inline-flex; align-items: center; box-sizing: border-box; }
        button.link { background: none; border: none; color: var(--accent); padding: 0; margin: 0; min-height: 0; font-weight: 500; text-decoration: underline; }
        table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
        th, td { text-align: left; padding: .45rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .table-wrap { overflow-x: auto; }
        .secret { display: block; padding: .6rem; font-size: 1rem; user-select: all; }
        .card > :first-child { margin-top: 0; }
        ul.items { padding-left: 1.2rem; }
        ul.items li { margin: .45rem 0; }
        .viewer-time { display: block; color: var(--muted); font-size: .95rem; }
        .your-time { display: block; color: var(--fg); }
        .badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: 0 .4rem; border: 1px solid var(--muted); border-radius: 4px; color: var(--fg); }
        .follow-form input[type=text] { max-width: 28rem; }
        fieldset { border: 1px solid var(--line); border-radius: 10px; padding: .4rem 1.2rem 1rem; margin: 1.2rem 0 0; }
        legend { font-weight: 600; padding: 0 .3rem; }
        .lane-text { margin: 0 0 .4rem 1.9rem; }
        img.avatar { border-radius: 12px; display: block; margin-top: .5rem; }
        .badge { background: var(--ok); color: var(--bg); border-radius: 4px; padding: 0 .35rem; font-size: .85rem; margin-right: .3rem; }
        .icon-field img { border-radius: 12px; margin-top: 1rem; }
        """;

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>
    /// Stored HTML (a reply's content, an item's body, a session's notes), cleaned again as it is written into a page
    /// (security.md principle 6: sanitized when stored and when rendered). What the inbox and the editor store is
    /// already clean, and cleaning is idempotent, so for those rows nothing changes; a row written by an older
    /// allowlist, copied in from elsewhere or left by a bug is cleaned by today's rules before a browser sees it.
    /// </summary>
    public static string Stored(string? html) => FediLearn.Core.Text.HtmlSanitizer.Sanitize(html);

    public static string Page(string title, string body, string? alternateJson = null) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}}</title>
        {{(alternateJson is null ? "" : $"<link rel=\"alternate\" type=\"application/activity+json\" href=\"{E(alternateJson)}\">")}}
        <style>
        {{Css}}
        </style>
        </head>
        <body>
        <header class="site"><a href="/">FediLearn</a><nav aria-label="Site"><a href="/">Home</a><a href="/login">Log in</a></nav></header>
        <main>
        {{body}}
        </main>
        </body>
        </html>
        """;

    public static async Task WriteAsync(HttpContext context, int status, string title, string body, string? alternateJson = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Page(title, body, alternateJson));
    }

    /// <summary>A readable 404 with a way back, for every public page that finds nothing.</summary>
    public static IResult NotFound(string message) =>
        Result("Not found", $"<h1>Not found</h1><p>{E(message)}</p><p><a href=\"/\">See the groups on this node</a></p>", status: 404);

    public static IResult Result(string title, string body, string? alternateJson = null, int status = 200) =>
        Results.Content(Page(title, body, alternateJson), "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
