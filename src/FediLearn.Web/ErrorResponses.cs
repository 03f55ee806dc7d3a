using Microsoft.AspNetCore.Diagnostics;

namespace FediLearn.Web;

/// <summary>Errors are answers: a JSON body for machines, a short page for people; never a stack trace.</summary>
public static class ErrorResponses
{
    public static IResult Json(int status, string error) =>
        Results.Json(new { error }, statusCode: status, contentType: "application/json; charset=utf-8");

    public static async Task WriteUnhandledAsync(HttpContext context)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("FediLearn.Errors");
        var feature = context.Features.Get<IExceptionHandlerFeature>();
        var html = Negotiation.WantsHtml(context.Request);
        if (feature?.Error is BadHttpRequestException bad)
        {
            context.Response.StatusCode = bad.StatusCode;
            if (html)
                await Html.HtmlLayout.WriteAsync(context, bad.StatusCode, "Bad request",
                    "<h1>Bad request</h1><p>This node could not read the request. Check the address and try again.</p><p><a href=\"/\">Back to the groups on this node</a></p>");
            else if (bad.InnerException is System.Text.Json.JsonException json)
                await Api.JsonBodyErrors.Invalid(json).ExecuteAsync(context); // a JSON API body: a 400 naming the field
            else
                await context.Response.WriteAsJsonAsync(new { error = BadRequestMessage(bad) });
            return;
        }
        if (FediLearn.Core.Data.DatabaseConflicts.IsConflict(feature?.Error))
        {
            // Two requests changed the same thing at the same moment (a double click, a retry); this one came second.
            logger.LogInformation("{Method} {Path} lost a race with another request: 409", context.Request.Method, context.Request.Path);
            await WriteNoticeAsync(context, html, StatusCodes.Status409Conflict, "Changed at the same time",
                "Another request changed the same thing at the same moment. Reload to see where it stands, then try again if needed.",
                "<a href=\"/\">Back to the groups on this node</a>");
            return;
        }
        if (FediLearn.Core.Data.DatabaseOutage.IsOutage(feature?.Error))
        {
            // The database is restarting, unreachable or full: one warning line per request, not a stack trace each.
            logger.LogWarning("{Method} {Path}: the database is unavailable ({Error}): 503", context.Request.Method, context.Request.Path,
                Innermost(feature!.Error).Message.ReplaceLineEndings(" "));
            context.Response.Headers.RetryAfter = "30";
            await WriteNoticeAsync(context, html, StatusCodes.Status503ServiceUnavailable, "Unavailable for a moment",
                "This node cannot reach its database right now. Try again in a minute.", "If it lasts, tell the node's admin.");
            return;
        }
        // A reference the visitor can quote to the admin, who finds the same one in the log; nothing else of the error leaves the node.
        var reference = context.TraceIdentifier;
        logger.LogError(feature?.Error, "Unhandled error {Reference} for {Method} {Path}", reference, context.Request.Method, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        if (html)
        {
            await Html.HtmlLayout.WriteAsync(context, 500, "Something went wrong", $"""
                <h1>Something went wrong</h1>
                <p>This node could not show this page. The error was logged; nothing you did caused it.</p>
                <p>If it happens again, tell the node's admin this reference: <code>{Html.HtmlLayout.E(reference)}</code></p>
                <p><a href="/">Back to the groups on this node</a></p>
                """);
            return;
        }
        await context.Response.WriteAsJsonAsync(new { error = "Something went wrong on this node. The error was logged.", reference });
    }

    public static async Task WriteStatusCodeAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        if (context.Response.HasStarted || context.Response.ContentLength > 0) return;
        var code = context.Response.StatusCode;
        if (Negotiation.WantsHtml(context.Request))
        {
            var title = code switch { 404 => "Not found", 405 => "Not done here", _ => $"Error {code}" };
            var text = code switch
            {
                404 => "There is nothing at this address on this node.",
                405 => Html.HtmlLayout.E(MethodNotAllowed(context)),
                _ => "The request could not be handled.",
            };
            await Html.HtmlLayout.WriteAsync(context, code, title, $"<h1>{title}</h1><p>{text}</p><p><a href=\"/\">Back to the groups on this node</a></p>");
            return;
        }
        await context.Response.WriteAsJsonAsync(new { error = code switch { 404 => "Not found", 405 => MethodNotAllowed(context), 415 => SendJson, _ => $"HTTP {code}" } });
    }

    /// <summary>A plain message as a page (title, text, then <paramref name="moreHtml"/>) or as JSON's <c>error</c>.</summary>
    private static async Task WriteNoticeAsync(HttpContext context, bool html, int status, string title, string text, string moreHtml)
    {
        context.Response.StatusCode = status;
        if (html)
            await Html.HtmlLayout.WriteAsync(context, status, title, $"<h1>{title}</h1><p>{text}</p><p>{moreHtml}</p>");
        else
            await context.Response.WriteAsJsonAsync(new { error = text });
    }

    /// <summary>
    /// A 405 names the method refused and those the address takes (routing's <c>Allow</c> header), where it said only
    /// "HTTP 405" (a GET of a PATCH-only API address, a DELETE of a page).
    /// </summary>
    private static string MethodNotAllowed(HttpContext context)
    {
        var allow = context.Response.Headers.Allow.ToString();
        return $"This address does not take {context.Request.Method} requests" + (allow.Length > 0 ? $"; it takes {allow}." : ".");
    }

    /// <summary>What a JSON API client sent in the wrong content type is told (a 415 is answered without an exception).</summary>
    public const string SendJson = "Send the body as application/json.";

    /// <summary>Minimal APIs' message for a missing body names a .NET parameter: say what to send instead.</summary>
    private static string BadRequestMessage(BadHttpRequestException bad) =>
        bad.Message.Contains("no body was provided", StringComparison.Ordinal) ? "Send a JSON object as the body." : bad.Message;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }
}
