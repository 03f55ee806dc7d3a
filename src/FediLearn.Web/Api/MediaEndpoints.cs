using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Http.Features;

namespace FediLearn.Web.Api;

/// <summary>Uploads (POST /api/media, multipart field "file", optional "description") and serving (/media/{key}).</summary>
public static class MediaEndpoints
{
    public static void MapMediaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/media", UploadAsync).DisableAntiforgery();
        app.MapGet("/media/{key}", async (string key, HttpContext http, MediaService media, CancellationToken ct) =>
        {
            // A missing file is a page for a browser that followed a link, JSON for the rest (as the feeds).
            if (await media.FindAsync(key, ct) is not { } found) return Endpoints.ActorEndpoints.NotFound(http, "No such file");
            // Uploaded files never run as pages on our origin (reference/signatures.md §4, CVE-2024-25623).
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.File(found.Path, found.File.ContentType, enableRangeProcessing: true);
        });
    }

    private static async Task<IResult> UploadAsync(HttpContext http, MediaService media, ActorUrls urls, CancellationToken ct)
    {
        var (person, error) = await ApiAuth.PersonAsync(http, ct);
        if (error is not null) return error;
        if (http.Request.ContentLength > media.MaxBytes + 64 * 1024)
            return TooLarge(media);
        if (!http.Request.HasFormContentType)
            return ApiAuth.Invalid(new Dictionary<string, string[]> { ["file"] = ["Send the file as multipart/form-data in a field named \"file\"."] });
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = media.MaxBytes + 64 * 1024;
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = media.MaxBytes + 64 * 1024 }, ct);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return ApiAuth.Problem(e is BadHttpRequestException { StatusCode: 413 } ? 413 : 400, "Unreadable upload", "The multipart body could not be read or is too large.");
        }
        var file = form.Files.GetFile("file");
        if (file is null) return ApiAuth.Invalid(new Dictionary<string, string[]> { ["file"] = ["No file in the field named \"file\"."] });
        if (file.Length > media.MaxBytes) return TooLarge(media); // within the request's margin for the form's own bytes
        var description = form["description"].ToString();
        if (description.Contains('\0')) // as in a JSON body: PostgreSQL takes no NUL in text (a 500 there)
            return ApiAuth.Invalid(new Dictionary<string, string[]> { ["description"] = [JsonBodyErrors.TextWithoutNul.Message] });
        try
        {
            await using var stream = file.OpenReadStream();
            var saved = await media.SaveAsync(person!, stream, file.FileName, description, ct);
            return Results.Json(new { id = saved.Key, url = urls.Media(saved.Key), contentType = saved.ContentType, size = saved.Size, fileName = saved.FileName },
                ItemApiEndpoints.Json, statusCode: StatusCodes.Status201Created);
        }
        catch (ItemValidationException e) { return ApiAuth.Invalid(e.Errors); }
    }

    private static IResult TooLarge(MediaService media) =>
        ApiAuth.Problem(413, "Too large", $"Files are limited to {FediLearn.Core.Text.ByteSizes.Text(media.MaxBytes)}.");
}
