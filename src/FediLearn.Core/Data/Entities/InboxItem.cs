namespace FediLearn.Core.Data.Entities;

public enum InboxState { Pending = 0, Running = 1, Done = 2, Failed = 3 }

/// <summary>A verified incoming activity, stored raw before we answer 202 and processed by the inbox worker.</summary>
public sealed class InboxItem
{
    public long Id { get; set; }
    /// <summary>The activity id (or a hash of the body when it has none): unique, so a replay has no effect.</summary>
    public string ActivityId { get; set; } = "";
    /// <summary>The verified signer, equal to the activity's actor.</summary>
    public string ActorUri { get; set; } = "";
    /// <summary>The activity as received; emptied ("") once applied (state Done), kept while pending or failed.</summary>
    public string Json { get; set; } = "";
    public InboxState State { get; set; }
    public int Attempts { get; set; }
    public long ReceivedAt { get; set; }
    public long NextAttemptAt { get; set; }
    public long? LockedUntil { get; set; }
    public string? LastError { get; set; }
}
