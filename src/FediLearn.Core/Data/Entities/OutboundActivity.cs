namespace FediLearn.Core.Data.Entities;

/// <summary>An activity we sent, stored once however many inboxes it goes to, and served at its id so peers can dereference it.</summary>
public sealed class OutboundActivity
{
    public long Id { get; set; }
    /// <summary>The public path segment: /activities/{Key}.</summary>
    public string Key { get; set; } = "";
    public long ActorId { get; set; }
    public string Type { get; set; } = "";
    /// <summary>The activity as delivered and served, except for a compact relay (<see cref="ReplyId"/>): read it through <c>OutboundDocuments</c>.</summary>
    public string Json { get; set; } = "";
    /// <summary>Whether anyone may GET it (Accept/Reject of a follow are only for their recipient).</summary>
    public bool IsPublic { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>
    /// Set on a group's Announce of a reply it stores (FEP-1b12 relay): <see cref="Json"/> then holds only the author's
    /// activity with the reply's id for its object, and the Announce is rebuilt from the reply, the group and this row.
    /// </summary>
    public long? ReplyId { get; set; }
}
