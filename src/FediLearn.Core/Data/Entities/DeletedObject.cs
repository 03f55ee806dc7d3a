namespace FediLearn.Core.Data.Entities;

/// <summary>
/// A Delete that came before the object it deletes (out-of-order delivery, a retried Create): remembered for
/// <see cref="Inbox.RememberedDeletes.Lifetime"/> so that the object's late Create is dropped instead of stored and
/// relayed (Mastodon's delete_upon_arrival). Deleted by the retention chore once expired.
/// </summary>
public sealed class DeletedObject
{
    /// <summary>The deleted object's id, as the Delete named it.</summary>
    public string Uri { get; set; } = "";
    /// <summary>The Delete's verified signer: only a Create by the same actor is dropped.</summary>
    public string ActorUri { get; set; } = "";
    /// <summary>When the Delete was applied, in Unix milliseconds (as the queues keep time).</summary>
    public long ReceivedAt { get; set; }
}
