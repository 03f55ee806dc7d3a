using Microsoft.AspNetCore.Routing;

namespace FediLearn.Web;

/// <summary>
/// HEAD is answered wherever GET is (RFC 9110 §9.3.2: a general-purpose server supports both). <c>MapGet</c> routes GET
/// only, so a HEAD of every minimal-API route (a group, an item, the feeds, a file, WebFinger, <c>/health</c>) was
/// 405 Method Not Allowed: link checkers, feed readers and uptime probes took a live address for a broken one. Razor Pages
/// already answer HEAD with their GET handler. The handler runs as for GET; Kestrel sends the headers, not the body.
/// </summary>
public static class HeadRequests
{
    /// <summary>Every GET-only endpoint of <paramref name="routes"/> (a group of them) also matches HEAD.</summary>
    public static TBuilder AnswerHeadLikeGet<TBuilder>(this TBuilder routes) where TBuilder : IEndpointConventionBuilder
    {
        routes.Finally(endpoint =>
        {
            // Replaced, not added to: the 405 of another method lists every method metadata names in its Allow header.
            if (endpoint.Metadata.OfType<HttpMethodMetadata>().LastOrDefault() is { HttpMethods: [var only] } get && HttpMethods.IsGet(only))
            {
                endpoint.Metadata.Remove(get);
                endpoint.Metadata.Add(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
            }
        });
        return routes;
    }
}
