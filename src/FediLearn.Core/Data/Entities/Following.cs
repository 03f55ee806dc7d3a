namespace FediLearn.Core.Data.Entities;

/// <summary>One of our members following a remote actor (e.g. a group on another node).</summary>
public sealed class Following
{
    public long Id { get; set; }
    public long LocalActorId { get; set; }
    public long RemoteActorId { get; set; }
    public RemoteActor? RemoteActor { get; set; }
    public string FollowActivityId { get; set; } = "";
    public FollowState State { get; set; }
    public DateTime CreatedAt { get; set; }
}
