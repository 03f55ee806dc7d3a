namespace FediLearn.Web;

/// <summary>Content negotiation: the same URL serves ActivityStreams JSON and HTML (federation.md item 4).</summary>
public static class Negotiation
{
    public const string ActivityJson = "application/activity+json";

    public static bool WantsActivityJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("application/activity+json", StringComparison.OrdinalIgnoreCase)
            || accept.Contains("application/ld+json", StringComparison.OrdinalIgnoreCase);
    }

    public static bool WantsHtml(HttpRequest request) =>
        !WantsActivityJson(request) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    public static IResult ActivityResult(Newtonsoft.Json.Linq.JToken document, HttpContext context)
    {
        context.Response.Headers.Vary = "Accept";
        return Results.Text(document.ToString(Newtonsoft.Json.Formatting.None), ActivityJson, System.Text.Encoding.UTF8);
    }
}
