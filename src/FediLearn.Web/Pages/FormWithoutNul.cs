using Microsoft.AspNetCore.Mvc.Filters;

namespace FediLearn.Web.Pages;

/// <summary>
/// A page's form whose fields hold a NUL character (U+0000) is refused with 400, as a JSON API body with one is
/// (Api/JsonBodyErrors.TextWithoutNul) and a query string with <c>%00</c> is (Program.cs). ASP.NET Core already refuses
/// <c>%00</c> in a URL-encoded form, but not a NUL in a multipart form's text fields (the compose and settings forms are
/// multipart, for their files): PostgreSQL takes no NUL in text, so a summary or a title with one was a 500 there, and
/// SQLite stored it as sent. No browser sends one from typing; a crafted request gets the "Bad request" page. Files are
/// not looked at.
/// </summary>
public sealed class FormWithoutNul : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.HasFormContentType) // read already by the antiforgery check and binding: this is their copy
            foreach (var (key, values) in await request.ReadFormAsync(context.HttpContext.RequestAborted))
                if (key.Contains('\0') || values.Any(v => v is not null && v.Contains('\0')))
                    throw new BadHttpRequestException("A form field may not contain the NUL character (U+0000).");
        await next();
    }
}
