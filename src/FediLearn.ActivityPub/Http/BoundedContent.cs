using System.Buffers;

namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Reads a response body with a hard cap (security.md principle 4, case 28; Mastodon <c>body_with_limit</c>): an announced
/// Content-Length over the cap is refused before any body byte is read, and a body without one (chunked, compressed)
/// is cut off as soon as it passes the cap.
/// </summary>
public static class BoundedContent
{
    public static async Task<byte[]> ReadAsync(HttpResponseMessage response, long maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        var content = response.Content;
        // With automatic decompression the handler drops Content-Length of encoded bodies, so this is never compared
        // with compressed bytes; the loop below counts what decompression produces.
        if (content.Headers.ContentLength is { } announced && announced > maxBytes)
            throw new ResponseTooLargeException($"Response announces {announced} bytes; the limit is {maxBytes}.");

        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            while (true)
            {
                // Ask for at most one byte past the limit: enough to know it was exceeded, no more.
                var want = (int)Math.Min(chunk.Length, maxBytes - total + 1);
                var read = await stream.ReadAsync(chunk.AsMemory(0, want), ct).ConfigureAwait(false);
                if (read == 0)
                    return buffer.ToArray();
                total += read;
                if (total > maxBytes)
                    throw new ResponseTooLargeException($"Response body exceeds the limit of {maxBytes} bytes.");
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
