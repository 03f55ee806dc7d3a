using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Endpoints;

/// <summary>The node's home page: its learning groups and how to follow them.</summary>
public static class HomeEndpoints
{
    public static void MapHomeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (FediLearnDbContext db, ActorUrls urls, IOptions<FediLearnOptions> options, UserService users, CancellationToken ct) =>
        {
            // First start: until an admin exists, point whoever installed the node to the one-time setup page (Pages/Setup).
            var setup = await users.AnyAdminAsync(ct) ? "" : "<p class=\"card\"><strong>New node:</strong> <a href=\"/setup\">create the first admin account</a> to start.</p>";
            var groups = await db.LocalActors.AsNoTracking().Where(a => a.Kind == ActorKind.Group).OrderBy(a => a.DisplayName).ToListAsync(ct);
            var list = groups.Count == 0
                ? "<p class=\"card\">No learning groups yet. An admin creates the first one in the <a href=\"/workspace\">workspace</a> (or with <code>dotnet run --project src/FediLearn.Web -- groups add &lt;name&gt; --title \"&lt;title&gt;\"</code>).</p>"
                : "<ul class=\"groups\">" + string.Concat(groups.Select(g =>
                    $"<li class=\"card\"><a href=\"{E(urls.Actor(g))}\"><strong>{E(g.DisplayName)}</strong></a> <span class=\"handle\">{E(urls.Handle(g))}</span>{ActorRenderer.SummaryHtml(g.Summary)}</li>")) + "</ul>";
            return Result(options.Value.NodeName, $"""
                <h1>{E(options.Value.NodeName)}</h1>
                {setup}
                <p>Learning groups on this node. Follow any of them from your Mastodon or other fediverse account.</p>
                {list}
                """);
        });
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
    }
}
