namespace FediLearn.Core.Data.Entities;

public enum InvitationRole
{
    Member = 0,
    Facilitator = 1,
}

/// <summary>A single-use link an admin gives to a new member or facilitator. Only the SHA-256 hash of its code is stored.</summary>
public sealed class Invitation
{
    public long Id { get; set; }
    public string CodeHash { get; set; } = "";
    public InvitationRole Role { get; set; }
    /// <summary>The group a facilitator invitation is for; null for a plain member.</summary>
    public long? GroupId { get; set; }
    public string CreatedByUserId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public string? UsedByUserId { get; set; }
}
