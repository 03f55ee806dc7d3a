namespace FediLearn.Web;

/// <summary>
/// <c>{segment:oneof(a|b|c)}</c>: the route matches only when the segment is exactly one of the listed values (ordinal,
/// case-sensitive). It replaces the <c>regex(^(a|b|c)$)</c> constraints we used before: ASP.NET Core's regex constraint
/// matches case-insensitively and its <c>$</c> also matches before a trailing newline, so <c>/g/rust/Posts</c> or
/// <c>/nodeinfo/2.0%0A</c> reached handlers that compare the value exactly and then did the wrong thing (listed sessions,
/// rejected an attendee asked to be approved, put a newline in a header). Anything not listed is simply not this route:
/// a 404.
/// </summary>
public sealed class ExactValuesRouteConstraint(string values) : IRouteConstraint
{
    /// <summary>The name routes use, registered once in Program.cs.</summary>
    public const string Name = "oneof";

    private readonly HashSet<string> _values = new(values.Split('|'), StringComparer.Ordinal);

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value)
        && Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) is { } text
        && _values.Contains(text);
}
