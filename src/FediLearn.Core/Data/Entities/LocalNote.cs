namespace FediLearn.Core.Data.Entities;

/// <summary>
/// A member's own note (a reply in a group's thread on another server, or a post that mentions a group), served at
/// /u/{name}/notes/{id}. Its addressing is fixed when it is written, so that Update and Delete reach the same servers.
/// </summary>
public sealed class LocalNote
{
    public long Id { get; set; }
    public long AuthorId { get; set; }
    public string Source { get; set; } = "";
    public string ContentHtml { get; set; } = "";
    public string? InReplyTo { get; set; }
    /// <summary>The group whose thread it joins (mentioned and addressed); null for none.</summary>
    public string? GroupUri { get; set; }
    /// <summary>JSON array of the actors besides Public and the author's followers it is addressed to (group, parent's author).</summary>
    public string CcJson { get; set; } = "[]";
    /// <summary>JSON array of the inboxes it was delivered to besides the author's followers.</summary>
    public string InboxesJson { get; set; } = "[]";
    public DateTime PublishedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
}
