namespace FediLearn.Core.Data.Entities;

/// <summary>An actor banned from a group: its activities in the group are refused and it cannot follow.</summary>
public sealed class GroupBan
{
    public long Id { get; set; }
    public long GroupId { get; set; }
    public string ActorUri { get; set; } = "";
    public string? Reason { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A Flag received from another server (or made here), about objects or actors, for the facilitators or admins.</summary>
public sealed class Report
{
    public long Id { get; set; }
    /// <summary>The group it was sent to; null when sent to the instance actor (for the admins).</summary>
    public long? GroupId { get; set; }
    public string ReporterUri { get; set; } = "";
    public string ObjectsJson { get; set; } = "[]";
    public string? Content { get; set; }
    public string ActivityId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? ResolvedAt { get; set; }
}

/// <summary>Every moderation action, who took it and why: the record facilitators and admins answer to.</summary>
public sealed class ModerationLogEntry
{
    public long Id { get; set; }
    public long? GroupId { get; set; }
    /// <summary>The member who acted (null for the CLI run by an admin, or automatic actions).</summary>
    public long? ModeratorId { get; set; }
    public string Action { get; set; } = "";
    public string Target { get; set; } = "";
    public string? Reason { get; set; }
    public DateTime CreatedAt { get; set; }
}
