using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace FediLearn.Core.Data;

/// <summary>
/// How the model's DateTimes are stored on PostgreSQL. The code keeps UTC instants in DateTime values whose Kind is
/// often Unspecified (that is what SQLite hands back), while Npgsql 6+ refuses to write anything but Kind=Utc to
/// "timestamp with time zone". So every DateTime is treated as UTC on the way in (a Local one is converted) and comes
/// back with Kind=Unspecified, exactly as on SQLite: the same code behaves the same on both providers.
/// A session's wall-clock start and end (properties ending in "Local") are not instants: they are stored as
/// "timestamp without time zone", unchanged. And two kinds of index differ from SQLite's (below).
/// </summary>
internal static class PostgresModel
{
    private static readonly ValueConverter<DateTime, DateTime> Instant = new(
        v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Unspecified));

    private static readonly ValueConverter<DateTime, DateTime> WallClock = new(
        v => DateTime.SpecifyKind(v, DateTimeKind.Unspecified),
        v => DateTime.SpecifyKind(v, DateTimeKind.Unspecified));

    public static void Apply(ModelBuilder builder)
    {
        // The followers' delivery-inbox index is SQLite's (FollowerConfiguration). PostgreSQL groups a fan-out's
        // followers with a hash aggregate and does not need it, and a B-tree entry over ~2,700 bytes (a long inbox URL
        // from a remote server) would make the follower's row fail to insert.
        var followers = builder.Model.FindEntityType(typeof(Entities.Follower))!;
        var deliveryIndex = followers.GetIndexes().Single(i => i.Properties.Any(p => p.Name == nameof(Entities.Follower.DeliveryInbox)));
        followers.RemoveIndex(deliveryIndex);

        // The queues' claim index ends with the id on PostgreSQL (migration 0014): a claim takes jobs in
        // (next_attempt_at, id) order, and B-tree entries of equal keys are not in id order there, so without it every
        // due row was sorted for each claim. SQLite's index entries end with the rowid, which is the id, already.
        foreach (var queue in new[] { typeof(Entities.DeliveryJob), typeof(Entities.InboxItem), typeof(Entities.FanoutJob) })
        {
            var entity = builder.Model.FindEntityType(queue)!;
            var claim = entity.GetIndexes().Single(i => i.Properties.Select(p => p.Name).SequenceEqual(["State", "NextAttemptAt"]));
            entity.RemoveIndex(claim);
            var ordered = entity.AddIndex([entity.FindProperty("State")!, entity.FindProperty("NextAttemptAt")!, entity.FindProperty("Id")!]);
            ordered.SetDatabaseName($"ix_{entity.GetTableName()}_state_next_attempt_at_id");
        }

        foreach (var entity in builder.Model.GetEntityTypes())
        foreach (var property in entity.GetProperties())
        {
            if (property.ClrType != typeof(DateTime) && property.ClrType != typeof(DateTime?)) continue;
            if (property.Name.EndsWith("Local", StringComparison.Ordinal))
            {
                property.SetValueConverter(WallClock);
                property.SetColumnType("timestamp without time zone");
            }
            else property.SetValueConverter(Instant);
        }
    }
}
