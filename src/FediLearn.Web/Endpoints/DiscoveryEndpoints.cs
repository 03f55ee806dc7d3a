using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Endpoints;

/// <summary>WebFinger, host-meta and NodeInfo (federation.md items 1-3).</summary>
public static class DiscoveryEndpoints
{
    private const string JrdJson = "application/jrd+json; charset=utf-8";

    public static void MapDiscoveryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/webfinger", WebFingerAsync);

        app.MapGet("/.well-known/host-meta", (ActorUrls urls) => Results.Text(
            $$"""
            <?xml version="1.0" encoding="UTF-8"?>
            <XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
              <Link rel="lrdd" template="{{urls.Base}}/.well-known/webfinger?resource={uri}"/>
            </XRD>
            """, "application/xrd+xml; charset=utf-8"));

        app.MapGet("/.well-known/nodeinfo", (ActorUrls urls) => Results.Json(new
        {
            links = new[]
            {
                new { rel = "http://nodeinfo.diaspora.software/ns/schema/2.1", href = $"{urls.Base}/nodeinfo/2.1" },
                new { rel = "http://nodeinfo.diaspora.software/ns/schema/2.0", href = $"{urls.Base}/nodeinfo/2.0" },
            },
        }));

        app.MapGet("/nodeinfo/{version:oneof(2.0|2.1)}", NodeInfoAsync);
    }

    private static async Task<IResult> WebFingerAsync(string? resource, FediLearnDbContext db, ActorUrls urls, ReadCache cache, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(resource))
            return ErrorResponses.Json(400, "The resource parameter is required, e.g. ?resource=acct:group@" + urls.Authority);
        var key = "webfinger|" + resource;
        if (cache.TryGet(key, out var hit)) return CachedDocuments.Bytes(hit.Body, hit.ContentType);
        var generation = cache.Generation;

        LocalActor? actor = null;
        if (resource.StartsWith("acct:", StringComparison.OrdinalIgnoreCase))
        {
            var acct = resource[5..].TrimStart('@');
            var at = acct.LastIndexOf('@');
            if (at > 0 && string.Equals(acct[(at + 1)..], urls.Authority, StringComparison.OrdinalIgnoreCase))
            {
                var name = acct[..at].ToLowerInvariant();
                // Lemmy and others look up the instance actor as acct:host@host.
                actor = name == urls.Host
                    ? await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct)
                    : await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
            }
        }
        else if (resource.TrimEnd('/') == urls.Base)
        {
            actor = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == ActorKind.Application, ct); // FEP-d556
        }
        else if (urls.Parse(resource.TrimEnd('/')) is { } parsed) // with a trailing slash too, as the page itself answers
        {
            actor = await db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == parsed.Kind && a.Name == parsed.Name, ct);
        }
        if (actor is null) return ErrorResponses.Json(404, $"No actor for {resource} on this node");

        var id = urls.Actor(actor);
        var type = actor.Kind switch { ActorKind.Group => "Group", ActorKind.Person => "Person", _ => "Application" };
        // Newtonsoft's tokens, not its reflection serializer (StoredJson says why); the same bytes as before.
        var jrd = System.Text.Encoding.UTF8.GetBytes(new JObject
        {
            ["subject"] = $"acct:{actor.Name}@{urls.Authority}",
            ["aliases"] = new JArray(id),
            ["links"] = new JArray(
                new JObject
                {
                    ["rel"] = "self", ["type"] = "application/activity+json", ["href"] = id,
                    ["properties"] = new JObject { ["https://www.w3.org/ns/activitystreams#type"] = type },
                },
                new JObject { ["rel"] = "http://webfinger.net/rel/profile-page", ["type"] = "text/html", ["href"] = id }),
        }.ToString(Newtonsoft.Json.Formatting.None));
        cache.Set(key, generation, jrd, JrdJson, actor.Id, actor.MembersOnly);
        return CachedDocuments.Bytes(jrd, JrdJson);
    }

    private static async Task<IResult> NodeInfoAsync(string version, FediLearnDbContext db, IOptions<FediLearnOptions> options, CancellationToken ct)
    {
        var users = await db.LocalActors.CountAsync(a => a.Kind == ActorKind.Person, ct);
        var groups = await db.LocalActors.CountAsync(a => a.Kind == ActorKind.Group, ct);
        var posts = await db.OutboundActivities.CountAsync(a => a.IsPublic && a.Type == "Create", ct);
        var software = new Dictionary<string, object>
        {
            ["name"] = "fedilearn",
            ["version"] = typeof(DiscoveryEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.1.0",
        };
        var nodeinfo = new Dictionary<string, object>
        {
            ["version"] = version,
            ["software"] = software,
            ["protocols"] = new[] { "activitypub" },
            ["services"] = new { inbound = Array.Empty<string>(), outbound = Array.Empty<string>() },
            ["openRegistrations"] = false,
            // Honest numbers: we do not track logins yet, so only totals are reported.
            ["usage"] = new { users = new { total = users }, localPosts = posts },
            ["metadata"] = new { nodeName = options.Value.NodeName, groups },
        };
        return Results.Json(nodeinfo, contentType:
            $"application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"; charset=utf-8");
    }
}
