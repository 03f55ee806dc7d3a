namespace FediLearn.Core.Data.Entities;

public enum FollowState { Pending = 0, Accepted = 1 }

/// <summary>An actor (usually remote) following one of our actors. The received Follow is kept verbatim so the Accept can embed it unchanged.</summary>
public sealed class Follower
{
    public long Id { get; set; }
    public long LocalActorId { get; set; }
    public long RemoteActorId { get; set; }
    public RemoteActor? RemoteActor { get; set; }
    public string ActorUri { get; set; } = "";
    public string FollowActivityId { get; set; } = "";
    public string FollowJson { get; set; } = "";
    public FollowState State { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? AcceptedAt { get; set; }

    /// <summary>
    /// Where a public activity for this follower goes: the remote actor's shared inbox, else its own inbox. Kept by the
    /// database, not by code (triggers of migration 0013, on insert here and when the remote actor's inbox, shared
    /// inbox or host changes), so that a post's fan-out reads one index in order (<c>DeliveryQueue.ExpandAsync</c>).
    /// EF never writes it, and an entity loaded before a change holds the old value: read it in SQL only.
    /// </summary>
    public string? DeliveryInbox { get; set; }

    /// <summary>The remote actor's host, kept with <see cref="DeliveryInbox"/>.</summary>
    public string? DeliveryHost { get; set; }
}
