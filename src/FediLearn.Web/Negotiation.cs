namespace FediLearn.Web;

/// <summary>Content negotiation: the same URL serves ActivityStreams JSON and HTML (federation.md item 4).</summary>
public static class Negotiation
{
    public const string ActivityJson = "application/activity+json";

    /// <summary>
    /// The request asks for ActivityStreams JSON: <c>application/activity+json</c>, <c>application/ld+json</c>, or plain
    /// <c>application/json</c> from a client that does not also take HTML (scripts, feed tools, some servers' fetchers;
    /// Mastodon answers it with its ActivityPub JSON too). A browser's Accept names text/html and never application/json.
    /// </summary>
    public static bool WantsActivityJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("application/activity+json", StringComparison.OrdinalIgnoreCase)
            || accept.Contains("application/ld+json", StringComparison.OrdinalIgnoreCase)
            || (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Marks a route that answers ActivityStreams JSON whatever the Accept (collections, activities): secure mode and the
    /// fetch budget then take every GET of it for an ActivityPub GET, so leaving out Accept, or sending <c>*/*</c>, gets
    /// around neither. Routes that also serve people (actors, items) negotiate instead and are not marked.
    /// </summary>
    public static TBuilder ActivityJsonOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ActivityJsonOnlyMetadata.Instance);

    /// <summary>This request is answered with ActivityStreams JSON: it asks for it, or its route has nothing else (<see cref="ActivityJsonOnly"/>).</summary>
    public static bool AnswersActivityJson(HttpContext context) =>
        WantsActivityJson(context.Request) || context.GetEndpoint()?.Metadata.GetMetadata<ActivityJsonOnlyMetadata>() is not null;

    public static bool WantsHtml(HttpRequest request) =>
        !WantsActivityJson(request) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>The document, whatever the Accept: a route answering only this is marked <see cref="ActivityJsonOnly"/>.</summary>
    public static IResult ActivityResult(Newtonsoft.Json.Linq.JToken document, HttpContext context)
    {
        context.Response.Headers.Vary = "Accept";
        return Results.Text(document.ToString(Newtonsoft.Json.Formatting.None), ActivityJson, System.Text.Encoding.UTF8);
    }
}

/// <summary>Endpoint metadata of <see cref="Negotiation.ActivityJsonOnly"/>.</summary>
public sealed class ActivityJsonOnlyMetadata
{
    public static readonly ActivityJsonOnlyMetadata Instance = new();
    private ActivityJsonOnlyMetadata() { }
}
