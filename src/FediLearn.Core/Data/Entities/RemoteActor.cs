namespace FediLearn.Core.Data.Entities;

/// <summary>What we know of an actor on another server: where to deliver, and its key (cached, refetched once on failure).</summary>
public sealed class RemoteActor
{
    public long Id { get; set; }
    public string Uri { get; set; } = "";
    public string Type { get; set; } = "";
    public string Host { get; set; } = "";
    public string? Username { get; set; }
    public string? DisplayName { get; set; }
    public string Inbox { get; set; } = "";
    public string? SharedInbox { get; set; }
    public string? KeyId { get; set; }
    public string? PublicKeyPem { get; set; }
    public DateTime FetchedAt { get; set; }
}
