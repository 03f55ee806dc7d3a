namespace FediLearn.Core.Data.Entities;

/// <summary>
/// "Send this activity to all followers of this actor": written in the publishing transaction, expanded later into one
/// delivery job per inbox (shared inboxes deduplicated). Same state columns as the other queues.
/// </summary>
public sealed class FanoutJob
{
    public long Id { get; set; }
    public long ActivityId { get; set; }
    public OutboundActivity? Activity { get; set; }
    public long ActorId { get; set; }
    public DeliveryState State { get; set; }
    public int Attempts { get; set; }
    public long NextAttemptAt { get; set; }
    public long? LockedUntil { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
}
