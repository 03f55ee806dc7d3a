using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Tests;

/// <summary>
/// <see cref="DatabaseConflicts"/> tells a write that lost a race (answered 409) from any other database error (still a
/// 500 with its stack trace in the log), with each provider's real errors.
/// </summary>
public class DatabaseConflictsTests : NodeTest
{
    [DbFact]
    public async Task A_second_insert_of_the_same_unique_row_is_a_conflict()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "race");
        await Node.WithDbAsync(db =>
        {
            db.GroupBans.Add(new GroupBan { GroupId = group.Id, ActorUri = "https://remote.example/users/x", CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        var e = await Assert.ThrowsAsync<DbUpdateException>(() => Node.WithDbAsync(db =>
        {
            db.GroupBans.Add(new GroupBan { GroupId = group.Id, ActorUri = "https://remote.example/users/x", CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        }));
        Assert.True(DatabaseConflicts.IsConflict(e), e.InnerException?.Message);
    }

    [DbFact]
    public async Task Removing_a_row_another_request_removed_is_a_conflict()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "race");
        var ban = new GroupBan { GroupId = group.Id, ActorUri = "https://remote.example/users/y", CreatedAt = DateTime.UtcNow };
        await Node.WithDbAsync(db =>
        {
            db.GroupBans.Add(ban);
            return db.SaveChangesAsync();
        });
        var e = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => Node.WithDbAsync(async db =>
        {
            var loaded = await db.GroupBans.SingleAsync(b => b.Id == ban.Id);
            await db.GroupBans.Where(b => b.Id == ban.Id).ExecuteDeleteAsync(); // the other request, in between
            db.GroupBans.Remove(loaded);
            return await db.SaveChangesAsync();
        }));
        Assert.True(DatabaseConflicts.IsConflict(e));
    }

    [DbFact]
    public async Task Other_database_errors_are_not_conflicts()
    {
        // A row pointing at a group that does not exist (a foreign key), and a NOT NULL column left null: bugs, not races.
        var foreignKey = await Assert.ThrowsAsync<DbUpdateException>(() => Node.WithDbAsync(db =>
        {
            db.GroupBans.Add(new GroupBan { GroupId = 987_654, ActorUri = "https://remote.example/users/z", CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        }));
        Assert.False(DatabaseConflicts.IsConflict(foreignKey), foreignKey.InnerException?.Message);
        var notNull = await Assert.ThrowsAnyAsync<Exception>(() => Node.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("INSERT INTO group_bans (group_id, actor_uri, created_at) VALUES (NULL, 'x', '2026-01-01')")));
        Assert.False(DatabaseConflicts.IsConflict(notNull), notNull.Message);
        Assert.False(DatabaseConflicts.IsConflict(new InvalidOperationException("not a database error")));
        Assert.False(DatabaseConflicts.IsConflict(null));
    }
}

public sealed class DatabaseConflictsTestsOnPostgres : DatabaseConflictsTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
