namespace FediLearn.Core.Data.Entities;

/// <summary>A personal access token for the JSON API. Only its SHA-256 hash is stored.</summary>
public sealed class AccessToken
{
    public long Id { get; set; }
    public long PersonId { get; set; }
    public string TokenHash { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}
