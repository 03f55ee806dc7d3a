namespace FediLearn.Core.Data.Entities;

/// <summary>A remote domain the node refuses: its signed requests get 403 before any key fetch.</summary>
public sealed class DomainBlock
{
    public string Domain { get; set; } = "";
    public string? Reason { get; set; }
    public DateTime CreatedAt { get; set; }
}
