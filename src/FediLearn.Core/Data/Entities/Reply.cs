namespace FediLearn.Core.Data.Entities;

/// <summary>
/// A learner's answer or comment from any server, in a group's thread: stored as its author published it (HTML
/// sanitized), relayed by the group with an Announce. The author's server stays the source of truth for its id.
/// </summary>
public sealed class Reply
{
    public long Id { get; set; }
    public string Uri { get; set; } = "";
    public long GroupId { get; set; }
    /// <summary>The group object at the top of the thread; null for a post that only mentions the group.</summary>
    public long? TopItemId { get; set; }
    public string? InReplyTo { get; set; }
    public string AuthorUri { get; set; } = "";
    public string AuthorHost { get; set; } = "";
    public string? AuthorName { get; set; }
    public string ContentHtml { get; set; } = "";
    public string Json { get; set; } = "";
    public DateTime PublishedAt { get; set; }
    public DateTime ReceivedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    /// <summary>Our Announce of it, so that it can be undone when the reply goes.</summary>
    public long? AnnounceActivityId { get; set; }
}
