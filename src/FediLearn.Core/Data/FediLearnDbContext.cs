using System.Text;
using FediLearn.Core.Data.Entities;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Data;

public sealed class FediLearnDbContext(DbContextOptions<FediLearnDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<LocalActor> LocalActors => Set<LocalActor>();
    public DbSet<GroupFacilitator> GroupFacilitators => Set<GroupFacilitator>();
    public DbSet<RemoteActor> RemoteActors => Set<RemoteActor>();
    public DbSet<Follower> Followers => Set<Follower>();
    public DbSet<Following> Followings => Set<Following>();
    public DbSet<OutboundActivity> OutboundActivities => Set<OutboundActivity>();
    public DbSet<DeliveryJob> DeliveryJobs => Set<DeliveryJob>();
    public DbSet<RemoteHost> RemoteHosts => Set<RemoteHost>();
    public DbSet<InboxItem> InboxItems => Set<InboxItem>();
    public DbSet<DomainBlock> DomainBlocks => Set<DomainBlock>();
    public DbSet<GroupItem> GroupItems => Set<GroupItem>();
    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<FanoutJob> FanoutJobs => Set<FanoutJob>();
    public DbSet<RemoteObject> RemoteObjects => Set<RemoteObject>();
    public DbSet<DeletedObject> DeletedObjects => Set<DeletedObject>();
    public DbSet<Reply> Replies => Set<Reply>();
    public DbSet<Like> Likes => Set<Like>();
    public DbSet<GroupBan> GroupBans => Set<GroupBan>();
    public DbSet<Rsvp> Rsvps => Set<Rsvp>();
    public DbSet<Vote> Votes => Set<Vote>();
    public DbSet<LocalNote> LocalNotes => Set<LocalNote>();
    public DbSet<Report> Reports => Set<Report>();
    public DbSet<ModerationLogEntry> ModerationLog => Set<ModerationLogEntry>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>A save that opens its own transaction queues at <see cref="SqliteWriteGate"/> on SQLite.</summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (!ChangeTracker.HasChanges()) return 0; // detects changes once; the save below need not do it again
        var detect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            using var gate = await SqliteWriteGate.EnterAsync(this, cancellationToken);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(FediLearnDbContext).Assembly);

        // snake_case everywhere, so that hand-written SQL (queue claims, migrations) reads the same on SQLite and PostgreSQL.
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            entity.SetTableName(SnakeCase(entity.GetTableName()!));
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
            foreach (var key in entity.GetKeys())
                key.SetName(SnakeCase(key.GetName()!));
            foreach (var fk in entity.GetForeignKeys())
                fk.SetConstraintName(SnakeCase(fk.GetConstraintName()!));
            foreach (var index in entity.GetIndexes())
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName()!));
        }
        if (Database.UsesPostgres()) PostgresModel.Apply(builder);
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
