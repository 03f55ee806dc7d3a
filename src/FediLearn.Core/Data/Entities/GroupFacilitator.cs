namespace FediLearn.Core.Data.Entities;

/// <summary>A member who runs a group: publishes, approves followers, moderates.</summary>
public sealed class GroupFacilitator
{
    public long GroupId { get; set; }
    public long PersonId { get; set; }
    public DateTime AddedAt { get; set; }
}
