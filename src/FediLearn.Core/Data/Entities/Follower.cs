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
}
