namespace FediLearn.Core.Data.Entities;

/// <summary>A Like of one of our group objects or of a reply in a group thread; one per actor and object.</summary>
public sealed class Like
{
    public long Id { get; set; }
    public string ObjectUri { get; set; } = "";
    public string ActorUri { get; set; } = "";
    public string ActivityId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
