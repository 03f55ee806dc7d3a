using System.Net;

namespace FediLearn.Web.Html;

/// <summary>The page shell for server-rendered HTML: readable, no JavaScript, fine on a phone. Every value is encoded by the caller with <see cref="E"/>.</summary>
public static class HtmlLayout
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Page(string title, string body, string? alternateJson = null) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}}</title>
        {{(alternateJson is null ? "" : $"<link rel=\"alternate\" type=\"application/activity+json\" href=\"{E(alternateJson)}\">")}}
        <style>
        :root { color-scheme: light dark; --fg:#1d1d1f; --bg:#fbfaf7; --muted:#5b5b60; --accent:#1f5f8b; --card:#ffffff; --line:#dedad2; }
        @media (prefers-color-scheme: dark) { :root { --fg:#ecebe8; --bg:#17181a; --muted:#a9a9ad; --accent:#8cc4ee; --card:#212225; --line:#3a3b3f; } }
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
        </style>
        </head>
        <body>
        <header class="site"><a href="/">FediLearn</a></header>
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

    public static IResult Result(string title, string body, string? alternateJson = null, int status = 200) =>
        Results.Content(Page(title, body, alternateJson), "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
