namespace FediLearn.Core.Data.Entities;

/// <summary>An uploaded file (image, PDF, audio, video), stored under {DataPath}/media and served at /media/{Key}.</summary>
public sealed class MediaFile
{
    public long Id { get; set; }
    /// <summary>Random public name including the extension, e.g. "3f9c…e1.pdf".</summary>
    public string Key { get; set; } = "";
    public long UploaderId { get; set; }
    public string FileName { get; set; } = "";
    public string ContentType { get; set; } = "";
    public long Size { get; set; }
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
}
