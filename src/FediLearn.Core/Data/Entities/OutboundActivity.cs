namespace FediLearn.Core.Data.Entities;

/// <summary>An activity we sent, stored once however many inboxes it goes to, and served at its id so peers can dereference it.</summary>
public sealed class OutboundActivity
{
    public long Id { get; set; }
    /// <summary>The public path segment: /activities/{Key}.</summary>
    public string Key { get; set; } = "";
    public long ActorId { get; set; }
    public string Type { get; set; } = "";
    public string Json { get; set; } = "";
    /// <summary>Whether anyone may GET it (Accept/Reject of a follow are only for their recipient).</summary>
    public bool IsPublic { get; set; }
    public DateTime CreatedAt { get; set; }
}
