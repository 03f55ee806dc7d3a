using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FediLearn.Core.Data.Configurations;

// One configuration class per entity (design.md §3.8); table and column names are made snake_case by FediLearnDbContext.

internal sealed class LocalActorConfiguration : IEntityTypeConfiguration<LocalActor>
{
    public void Configure(EntityTypeBuilder<LocalActor> b)
    {
        b.ToTable("local_actors");
        b.HasIndex(a => a.Name).IsUnique();
        b.HasIndex(a => a.UserId);
        b.Property(a => a.Name).HasMaxLength(64);
        b.Property(a => a.DisplayName).HasMaxLength(200);
        b.Property(a => a.PostingPolicy).HasDefaultValue(PostingPolicy.Open).HasSentinel((PostingPolicy)(-1));
        b.Property(a => a.Lane).HasDefaultValue(GroupLane.None).HasSentinel((GroupLane)(-1));
        b.Property(a => a.MembersOnly).HasDefaultValue(false);
        b.Property(a => a.DefaultTimeZone).HasMaxLength(64);
        b.Property(a => a.IconMediaKey).HasMaxLength(64);
    }
}

internal sealed class GroupFacilitatorConfiguration : IEntityTypeConfiguration<GroupFacilitator>
{
    public void Configure(EntityTypeBuilder<GroupFacilitator> b)
    {
        b.ToTable("group_facilitators");
        b.HasKey(f => new { f.GroupId, f.PersonId });
        b.HasOne<LocalActor>().WithMany().HasForeignKey(f => f.GroupId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<LocalActor>().WithMany().HasForeignKey(f => f.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RemoteActorConfiguration : IEntityTypeConfiguration<RemoteActor>
{
    public void Configure(EntityTypeBuilder<RemoteActor> b)
    {
        b.ToTable("remote_actors");
        b.HasIndex(a => a.Uri).IsUnique();
        b.HasIndex(a => a.KeyId);
    }
}

internal sealed class FollowerConfiguration : IEntityTypeConfiguration<Follower>
{
    public void Configure(EntityTypeBuilder<Follower> b)
    {
        b.ToTable("followers");
        b.HasIndex(f => new { f.LocalActorId, f.ActorUri }).IsUnique();
        b.HasIndex(f => new { f.LocalActorId, f.State, f.Id });
        // Kept by the database's triggers (migration 0013): EF neither inserts nor updates them.
        foreach (var kept in new[] { b.Property(f => f.DeliveryInbox), b.Property(f => f.DeliveryHost) })
        {
            kept.Metadata.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
            kept.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
        }
        // A public fan-out groups a group's accepted followers by inbox straight from this index, in order, without
        // a join or a sort (DeliveryQueue.ExpandAsync). SQLite only: PostgresModel drops it (see there).
        b.HasIndex(f => new { f.LocalActorId, f.State, f.DeliveryInbox, f.DeliveryHost });
        b.HasOne<LocalActor>().WithMany().HasForeignKey(f => f.LocalActorId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(f => f.RemoteActor).WithMany().HasForeignKey(f => f.RemoteActorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FollowingConfiguration : IEntityTypeConfiguration<Following>
{
    public void Configure(EntityTypeBuilder<Following> b)
    {
        b.ToTable("followings");
        b.HasIndex(f => new { f.LocalActorId, f.RemoteActorId }).IsUnique();
        b.HasOne<LocalActor>().WithMany().HasForeignKey(f => f.LocalActorId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(f => f.RemoteActor).WithMany().HasForeignKey(f => f.RemoteActorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OutboundActivityConfiguration : IEntityTypeConfiguration<OutboundActivity>
{
    public void Configure(EntityTypeBuilder<OutboundActivity> b)
    {
        b.ToTable("outbound_activities");
        b.HasIndex(a => a.Key).IsUnique();
        b.HasIndex(a => new { a.ActorId, a.IsPublic, a.Id });
        b.HasOne<LocalActor>().WithMany().HasForeignKey(a => a.ActorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DeliveryJobConfiguration : IEntityTypeConfiguration<DeliveryJob>
{
    public void Configure(EntityTypeBuilder<DeliveryJob> b)
    {
        b.ToTable("delivery_jobs");
        b.HasIndex(j => new { j.State, j.NextAttemptAt });
        b.HasIndex(j => j.Host);
        b.HasOne(j => j.Activity).WithMany().HasForeignKey(j => j.ActivityId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RemoteHostConfiguration : IEntityTypeConfiguration<RemoteHost>
{
    public void Configure(EntityTypeBuilder<RemoteHost> b)
    {
        b.ToTable("remote_hosts");
        b.HasKey(h => h.Host);
    }
}

internal sealed class InboxItemConfiguration : IEntityTypeConfiguration<InboxItem>
{
    public void Configure(EntityTypeBuilder<InboxItem> b)
    {
        b.ToTable("inbox_items");
        b.HasIndex(i => i.ActivityId).IsUnique();
        b.HasIndex(i => new { i.State, i.NextAttemptAt });
    }
}

internal sealed class DomainBlockConfiguration : IEntityTypeConfiguration<DomainBlock>
{
    public void Configure(EntityTypeBuilder<DomainBlock> b)
    {
        b.ToTable("domain_blocks");
        b.HasKey(d => d.Domain);
    }
}

internal sealed class GroupItemConfiguration : IEntityTypeConfiguration<GroupItem>
{
    public void Configure(EntityTypeBuilder<GroupItem> b)
    {
        b.ToTable("group_items");
        b.HasIndex(i => new { i.GroupId, i.Kind, i.Id });
        b.HasIndex(i => new { i.PublishedAt, i.PublishAt });
        b.HasOne<LocalActor>().WithMany().HasForeignKey(i => i.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> b)
    {
        b.ToTable("media_files");
        b.HasIndex(m => m.Key).IsUnique();
    }
}

internal sealed class AccessTokenConfiguration : IEntityTypeConfiguration<AccessToken>
{
    public void Configure(EntityTypeBuilder<AccessToken> b)
    {
        b.ToTable("access_tokens");
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasOne<LocalActor>().WithMany().HasForeignKey(t => t.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FanoutJobConfiguration : IEntityTypeConfiguration<FanoutJob>
{
    public void Configure(EntityTypeBuilder<FanoutJob> b)
    {
        b.ToTable("fanout_jobs");
        b.HasIndex(j => new { j.State, j.NextAttemptAt });
        b.HasOne(j => j.Activity).WithMany().HasForeignKey(j => j.ActivityId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RemoteObjectConfiguration : IEntityTypeConfiguration<RemoteObject>
{
    public void Configure(EntityTypeBuilder<RemoteObject> b)
    {
        b.ToTable("remote_objects");
        b.HasIndex(o => o.Uri).IsUnique();
        b.HasIndex(o => new { o.AttributedTo, o.Id });
    }
}

internal sealed class DeletedObjectConfiguration : IEntityTypeConfiguration<DeletedObject>
{
    public void Configure(EntityTypeBuilder<DeletedObject> b)
    {
        b.ToTable("deleted_objects");
        b.HasKey(d => d.Uri);
        b.HasIndex(d => d.ReceivedAt); // the retention chore's expiry
    }
}

internal sealed class ReplyConfiguration : IEntityTypeConfiguration<Reply>
{
    public void Configure(EntityTypeBuilder<Reply> b)
    {
        b.ToTable("replies");
        b.HasIndex(r => r.Uri).IsUnique();
        b.HasIndex(r => new { r.TopItemId, r.PublishedAt });
        b.HasIndex(r => r.InReplyTo);
        b.HasOne<LocalActor>().WithMany().HasForeignKey(r => r.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LikeConfiguration : IEntityTypeConfiguration<Like>
{
    public void Configure(EntityTypeBuilder<Like> b)
    {
        b.ToTable("likes");
        b.HasIndex(l => new { l.ObjectUri, l.ActorUri }).IsUnique();
    }
}

internal sealed class GroupBanConfiguration : IEntityTypeConfiguration<GroupBan>
{
    public void Configure(EntityTypeBuilder<GroupBan> b)
    {
        b.ToTable("group_bans");
        b.HasIndex(x => new { x.GroupId, x.ActorUri }).IsUnique();
        b.HasOne<LocalActor>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReportConfiguration : IEntityTypeConfiguration<Report>
{
    public void Configure(EntityTypeBuilder<Report> b)
    {
        b.ToTable("reports");
        b.HasIndex(x => x.ActivityId);
        b.HasIndex(x => new { x.GroupId, x.Id });
    }
}

internal sealed class ModerationLogEntryConfiguration : IEntityTypeConfiguration<ModerationLogEntry>
{
    public void Configure(EntityTypeBuilder<ModerationLogEntry> b)
    {
        b.ToTable("moderation_log");
        b.HasIndex(x => new { x.GroupId, x.Id });
        // Migration 0017: the removals of facilitators only (NotificationService.FacilitatorRemovals), in the same words
        // for both providers.
        b.HasIndex(x => new { x.Target, x.CreatedAt }, "ix_moderation_log_removed_facilitator")
            .HasFilter("action = '" + Services.GroupService.RemovedFacilitator + "'");
    }
}

internal sealed class RsvpConfiguration : IEntityTypeConfiguration<Rsvp>
{
    public void Configure(EntityTypeBuilder<Rsvp> b)
    {
        b.ToTable("rsvps");
        b.HasIndex(x => new { x.SessionId, x.ActorUri }).IsUnique();
        b.HasOne<GroupItem>().WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VoteConfiguration : IEntityTypeConfiguration<Vote>
{
    public void Configure(EntityTypeBuilder<Vote> b)
    {
        b.ToTable("votes");
        b.HasIndex(x => new { x.PromptId, x.VoterUri, x.Choice }).IsUnique();
        b.HasOne<GroupItem>().WithMany().HasForeignKey(x => x.PromptId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LocalNoteConfiguration : IEntityTypeConfiguration<LocalNote>
{
    public void Configure(EntityTypeBuilder<LocalNote> b)
    {
        b.ToTable("local_notes");
        b.HasIndex(x => new { x.AuthorId, x.Id });
        b.HasOne<LocalActor>().WithMany().HasForeignKey(x => x.AuthorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.ToTable("invitations");
        b.HasIndex(x => x.CodeHash).IsUnique();
        b.HasIndex(x => x.CreatedAt);
        b.HasOne<LocalActor>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> b) => b.ToTable("data_protection_keys");
}
