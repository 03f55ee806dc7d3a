namespace FediLearn.Core.Data.Entities;

public enum ItemKind { Prompt = 0, Post = 1, Material = 2, Session = 3 }

/// <summary>
/// What a group publishes: a prompt (or check-in with choices), a post, a material or a live session.
/// One table for the four kinds: they share publishing, editing, deletion, threads and feeds; kind-specific columns are null elsewhere.
/// </summary>
public sealed class GroupItem
{
    public long Id { get; set; }
    public long GroupId { get; set; }
    public ItemKind Kind { get; set; }
    /// <summary>The member who wrote it (through the API or the web app).</summary>
    public long? AuthorId { get; set; }
    public string? Title { get; set; }
    /// <summary>Markdown as written.</summary>
    public string Content { get; set; } = "";
    /// <summary>Sanitized HTML rendered from <see cref="Content"/>.</summary>
    public string ContentHtml { get; set; } = "";
    /// <summary>Mention and Hashtag tags found in the content, as JSON.</summary>
    public string TagsJson { get; set; } = "[]";
    public DateTime CreatedAt { get; set; }
    /// <summary>When to publish (UTC); null means at once.</summary>
    public DateTime? PublishAt { get; set; }
    public DateTime? PublishedAt { get; set; }
    /// <summary>Last edit after publication; sent as the object's "updated".</summary>
    public DateTime? EditedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    /// <summary>Bumped on each published edit (iCalendar SEQUENCE).</summary>
    public int Revision { get; set; }

    // Prompts: a check-in has choices and becomes a Question.
    public string? ChoicesJson { get; set; }
    public bool MultipleChoice { get; set; }
    public DateTime? ClosesAt { get; set; }
    /// <summary>A check-in's new vote totals go out (one Update{Question}) at this instant; null: nothing waiting.</summary>
    public DateTime? TotalsDueAt { get; set; }
    /// <summary>A reflection prompt belongs to a session's thread.</summary>
    public long? SessionId { get; set; }

    // Materials.
    public string? LinksJson { get; set; }
    public string? MediaIdsJson { get; set; }
    public bool Pinned { get; set; }

    // Sessions: local wall-clock times in an IANA zone, as the facilitator entered them.
    public DateTime? StartsAtLocal { get; set; }
    public DateTime? EndsAtLocal { get; set; }
    public string? TimeZone { get; set; }
    public string? JoinUrl { get; set; }
    public string? Place { get; set; }
    public int? Capacity { get; set; }
    public bool RequireApproval { get; set; }
    public bool Cancelled { get; set; }
    public string? Notes { get; set; }
    public string? NotesHtml { get; set; }
    public string? RecordingUrl { get; set; }
}
