namespace FediLearn.Web;

/// <summary>Content negotiation: the same URL serves ActivityStreams JSON and HTML (federation.md item 4).</summary>
public static class Negotiation
{
    public const string ActivityJson = "application/activity+json";

    /// <summary>
    /// The request asks for ActivityStreams JSON: <c>application/activity+json</c>, <c>application/ld+json</c>, or plain
    /// <c>application/json</c> from a client that does not also take HTML (scripts, feed tools, some servers' fetchers;
    /// Mastodon answers it with its ActivityPub JSON too). A browser's Accept names text/html and never application/json.
    /// Weights count when given (RFC 9110 §12.5.1): <c>text/html, application/activity+json;q=0</c> is a page, and
    /// <c>text/html, application/activity+json;q=0.5</c> too; at equal weight ActivityStreams JSON wins over HTML, plain
    /// JSON does not.
    /// </summary>
    public static bool WantsActivityJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (!accept.Contains("q=", StringComparison.OrdinalIgnoreCase))
            return accept.Contains("application/activity+json", StringComparison.OrdinalIgnoreCase)
                || accept.Contains("application/ld+json", StringComparison.OrdinalIgnoreCase)
                || (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase));
        var (activity, json, html) = Weights(accept);
        return activity > 0 ? activity >= html : json > html;
    }

    /// <summary>The request asks for a page: it names text/html (with a weight above zero) and does not ask for ActivityStreams JSON.</summary>
    public static bool WantsHtml(HttpRequest request)
    {
        if (WantsActivityJson(request)) return false;
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("q=", StringComparison.OrdinalIgnoreCase)
            ? Weights(accept).Html > 0
            : accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The highest weight given to ActivityStreams JSON (either of its two types), to plain JSON, and to text/html; 0 when
    /// not named. Wildcards are not counted: <c>*/*</c> takes whatever the route answers first.
    /// </summary>
    private static (double Activity, double Json, double Html) Weights(string accept)
    {
        double activity = 0, json = 0, html = 0;
        foreach (var range in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var q = 1.0;
            foreach (var parameter in parts.AsSpan(1))
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase))
                    q = double.TryParse(parameter.AsSpan(2), System.Globalization.NumberStyles.AllowDecimalPoint,
                        System.Globalization.CultureInfo.InvariantCulture, out var weight) ? Math.Clamp(weight, 0, 1) : 0;
            var type = parts[0];
            if (type.Equals("application/activity+json", StringComparison.OrdinalIgnoreCase) || type.Equals("application/ld+json", StringComparison.OrdinalIgnoreCase))
                activity = Math.Max(activity, q);
            else if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)) json = Math.Max(json, q);
            else if (type.Equals("text/html", StringComparison.OrdinalIgnoreCase)) html = Math.Max(html, q);
        }
        return (activity, json, html);
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
