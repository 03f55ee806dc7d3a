namespace FediLearn.Core.Data.Entities;

/// <summary>An object created by an actor one of our members follows (a remote group's prompt, session…), as received.</summary>
public sealed class RemoteObject
{
    public long Id { get; set; }
    public string Uri { get; set; } = "";
    public string Type { get; set; } = "";
    public string AttributedTo { get; set; } = "";
    public string? Name { get; set; }
    public string? InReplyTo { get; set; }
    public string Json { get; set; } = "";
    public DateTime ReceivedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
}
