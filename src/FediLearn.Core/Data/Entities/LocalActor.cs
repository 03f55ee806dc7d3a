namespace FediLearn.Core.Data.Entities;

public enum ActorKind { Group = 0, Person = 1, Application = 2 }

/// <summary>Who may add to a group's threads (federation.md item 15); the group refuses, and never relays, anyone else.</summary>
public enum PostingPolicy { Open = 0, Participants = 1, Facilitators = 2 }

/// <summary>The template a group started from (its "lane"): it set the group's defaults and first content.</summary>
public enum GroupLane { None = 0, PromptCircle = 1, CourseCohort = 2, Popup = 3 }

/// <summary>An actor hosted on this node: a learning group, a member, or the instance actor. Groups and members share one namespace.</summary>
public sealed class LocalActor
{
    public long Id { get; set; }
    public ActorKind Kind { get; set; }
    /// <summary>The handle part of @name@node; lower case, Mastodon's username pattern.</summary>
    public string Name { get; set; } = "";
    public string DisplayName { get; set; } = "";
    /// <summary>Plain text; rendered as escaped HTML paragraphs.</summary>
    public string? Summary { get; set; }
    public bool ManuallyApprovesFollowers { get; set; }
    public bool Discoverable { get; set; } = true;
    public string RsaPrivateKeyPem { get; set; } = "";
    public string RsaPublicKeyPem { get; set; } = "";
    public byte[] Ed25519Seed { get; set; } = [];
    public byte[] Ed25519PublicKey { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    /// <summary>For a Group: who may reply in its threads.</summary>
    public PostingPolicy PostingPolicy { get; set; }
    /// <summary>For a Person: the login account it belongs to.</summary>
    public string? UserId { get; set; }
    /// <summary>For a Group: the lane it was created from.</summary>
    public GroupLane Lane { get; set; }
    /// <summary>For a Group: the IANA zone new sessions start in (null: the node's default, UTC).</summary>
    public string? DefaultTimeZone { get; set; }
    /// <summary>For a Group: from this instant on the group is archived, read-only (a popup's end); null: never.</summary>
    public DateTime? ArchiveAt { get; set; }
    /// <summary>For a Group: the archive date whose arrival followers' servers were sent an Update{Group} for.</summary>
    public DateTime? ArchiveAnnouncedFor { get; set; }
    /// <summary>For a Group: an uploaded icon (a media key); null: the generated one.</summary>
    public string? IconMediaKey { get; set; }
    /// <summary>
    /// For a Group: a private cohort. Its content is addressed to its approved followers only (never Public), delivered to
    /// each one's own inbox, served only to signed requests from their servers, and its pages only to its facilitators.
    /// </summary>
    public bool MembersOnly { get; set; }
    /// <summary>For a Person: when they last marked their in-app notifications read.</summary>
    public DateTime? NotificationsSeenAt { get; set; }

    /// <summary>An archived group stays readable but takes no new replies except its facilitators'.</summary>
    public bool IsArchivedAt(DateTimeOffset now) => ArchiveAt is { } at && at <= now.UtcDateTime;

    /// <summary>The posting policy in force: an archived group is facilitators-only whatever its setting.</summary>
    public PostingPolicy PostingPolicyAt(DateTimeOffset now) => IsArchivedAt(now) ? PostingPolicy.Facilitators : PostingPolicy;
}
