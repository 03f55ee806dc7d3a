namespace FediLearn.Core.Data.Entities;

public enum DeliveryState { Pending = 0, Running = 1, Succeeded = 2, Failed = 3, Abandoned = 4 }

/// <summary>
/// One activity to one inbox: an explicit state machine in the database (design.md §3.5).
/// Times are Unix milliseconds so that claims compare numbers on every provider.
/// </summary>
public sealed class DeliveryJob
{
    public long Id { get; set; }
    public long ActivityId { get; set; }
    public OutboundActivity? Activity { get; set; }
    public string Inbox { get; set; } = "";
    public string Host { get; set; } = "";
    public DeliveryState State { get; set; }
    public int Attempts { get; set; }
    public long NextAttemptAt { get; set; }
    public long? LockedUntil { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long? CompletedAt { get; set; }
}
