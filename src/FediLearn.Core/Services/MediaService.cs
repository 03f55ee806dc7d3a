using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Services;

/// <summary>
/// Uploaded files: images, PDF, audio and video only, recognised by their first bytes (the declared type and the file
/// name are not trusted), stored under Media:Path ({DataPath}/media by default) with a random name, served with the type we recognised.
/// </summary>
public sealed class MediaService(FediLearnDbContext db, IOptions<FediLearnOptions> options, TimeProvider time)
{
    private static readonly (string Type, string Extension, Func<byte[], bool> Match)[] Signatures =
    [
        ("image/png", ".png", b => Starts(b, 0, 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)),
        ("image/jpeg", ".jpg", b => Starts(b, 0, 0xFF, 0xD8, 0xFF)),
        ("image/gif", ".gif", b => Starts(b, 0, (byte)'G', (byte)'I', (byte)'F', (byte)'8')),
        ("image/webp", ".webp", b => Starts(b, 0, (byte)'R', (byte)'I', (byte)'F', (byte)'F') && Starts(b, 8, (byte)'W', (byte)'E', (byte)'B', (byte)'P')),
        ("application/pdf", ".pdf", b => Starts(b, 0, (byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-')),
        ("audio/wav", ".wav", b => Starts(b, 0, (byte)'R', (byte)'I', (byte)'F', (byte)'F') && Starts(b, 8, (byte)'W', (byte)'A', (byte)'V', (byte)'E')),
        ("audio/ogg", ".ogg", b => Starts(b, 0, (byte)'O', (byte)'g', (byte)'g', (byte)'S')),
        ("audio/flac", ".flac", b => Starts(b, 0, (byte)'f', (byte)'L', (byte)'a', (byte)'C')),
        ("audio/mpeg", ".mp3", b => Starts(b, 0, (byte)'I', (byte)'D', (byte)'3') || (b.Length > 1 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)),
        ("video/webm", ".webm", b => Starts(b, 0, 0x1A, 0x45, 0xDF, 0xA3)),
        ("video/mp4", ".mp4", b => Starts(b, 4, (byte)'f', (byte)'t', (byte)'y', (byte)'p')),
    ];

    public long MaxBytes => options.Value.Media.MaxBytes;

    public string MediaFolder => options.Value.Media.ResolvePath(options.Value);

    public async Task<MediaFile> SaveAsync(LocalActor uploader, Stream content, string? fileName, string? description, CancellationToken ct)
    {
        Directory.CreateDirectory(MediaFolder);
        var temp = Path.Combine(MediaFolder, $".upload-{Guid.NewGuid():N}");
        long size = 0;
        var head = new byte[16];
        var headLength = 0;
        try
        {
            await using (var file = File.Create(temp))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > MaxBytes) throw Invalid($"The file is larger than {Text.ByteSizes.Text(MaxBytes)}.");
                    if (headLength < head.Length)
                    {
                        var take = Math.Min(head.Length - headLength, read);
                        Array.Copy(buffer, 0, head, headLength, take);
                        headLength += take;
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            if (size == 0) throw Invalid("The file is empty.");
            var sniff = head[..headLength];
            var match = Signatures.FirstOrDefault(s => s.Match(sniff));
            if (match.Type is null) throw Invalid("Only images (PNG, JPEG, GIF, WebP), PDF, audio (MP3, Ogg, WAV, FLAC) and video (MP4, WebM) can be uploaded.");

            var key = Guid.NewGuid().ToString("N") + match.Extension;
            File.Move(temp, Path.Combine(MediaFolder, key));
            var row = new MediaFile
            {
                Key = key,
                UploaderId = uploader.Id,
                FileName = SafeName(fileName) ?? "upload" + match.Extension,
                ContentType = match.Type,
                Size = size,
                Description = string.IsNullOrWhiteSpace(description) ? null : Cut(description.Trim(), 1500),
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.MediaFiles.Add(row);
            await db.SaveChangesAsync(ct);
            return row;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public async Task<(MediaFile File, string Path)?> FindAsync(string key, CancellationToken ct)
    {
        var row = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(m => m.Key == key, ct);
        if (row is null) return null;
        var path = Path.Combine(MediaFolder, row.Key);
        return File.Exists(path) ? (row, path) : null;
    }

    private static ItemValidationException Invalid(string message) => new(new Dictionary<string, string[]> { ["file"] = [message] });

    private static string? SafeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var cleaned = new string(Path.GetFileName(name).Where(c => !char.IsControl(c) && c != '"').ToArray()).Trim();
        return cleaned.Length == 0 ? null : Cut(cleaned, 200);
    }

    /// <summary>
    /// The first <paramref name="max"/> characters, or one fewer where the cut would split a character outside the BMP (an
    /// emoji): its lone first half was a 500 on PostgreSQL (no encoding takes it) and a U+FFFD on SQLite.
    /// </summary>
    private static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];

    private static bool Starts(byte[] data, int offset, params byte[] prefix) =>
        data.Length >= offset + prefix.Length && data.AsSpan(offset, prefix.Length).SequenceEqual(prefix);
}
