namespace FediLearn.Core.Data.Entities;

public enum RsvpStatus { Pending = 0, Yes = 1, Maybe = 2, No = 3 }

/// <summary>An attendee's answer to a session: from Mobilizon (Join/Leave), Friendica (Accept/TentativeAccept/Reject) or a local member.</summary>
public sealed class Rsvp
{
    public long Id { get; set; }
    public long SessionId { get; set; }
    public string ActorUri { get; set; } = "";
    public RsvpStatus Status { get; set; }
    /// <summary>
    /// The received Join (or Friendica's Accept / TentativeAccept of the session), kept verbatim so that the Accept or
    /// Reject answering it can embed it.
    /// </summary>
    public string? JoinJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
