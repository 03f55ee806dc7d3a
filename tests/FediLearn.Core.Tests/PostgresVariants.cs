using System.Diagnostics;
using FediLearn.Core.Data;
using FediLearn.Core.Queues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

// The data test classes again, each test on a fresh PostgreSQL database of its own instead of a SQLite file
// (FEDILEARN_TEST_POSTGRES; reported as skipped when it is not set). The tests are inherited unchanged.

public sealed class AdminServiceTestsOnPostgres : AdminServiceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class FollowerServiceTestsOnPostgres : FollowerServiceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class GroupAndUserServiceTestsOnPostgres : GroupAndUserServiceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class LaneAndSettingsTestsOnPostgres : LaneAndSettingsTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class MembersOnlyServiceTestsOnPostgres : MembersOnlyServiceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class WorkspaceServiceTestsOnPostgres : WorkspaceServiceTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class QueueClaimTestsOnPostgres : QueueClaimTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;

    /// <summary>
    /// What several app nodes sharing one queue rely on: while one claimer's transaction still holds its rows, another
    /// claimer neither waits for it nor gets those rows (FOR UPDATE SKIP LOCKED); it takes the next ones at once.
    /// </summary>
    [DbFact]
    public async Task A_claimer_skips_rows_another_claimer_holds_instead_of_waiting()
    {
        var ids = await EnqueueAsync(6);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        var lease = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();

        await using var slowScope = Node.Scope();
        var slow = slowScope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        await using var tx = await slow.Database.BeginTransactionAsync();
        var held = await QueueClaims.ClaimAsync(slow, "delivery_jobs", 3, now, lease, CancellationToken.None);
        Assert.Equal(ids.Take(3), held);

        await using var fastScope = Node.Scope();
        var fast = fastScope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        await fast.Database.OpenConnectionAsync(); // one session, so that the setting below stays
        await fast.Database.ExecuteSqlRawAsync("SET lock_timeout = '5s'"); // a claimer that waited would fail here, not hang
        var watch = Stopwatch.StartNew();
        var taken = await QueueClaims.ClaimAsync(fast, "delivery_jobs", 10, now, lease, CancellationToken.None);
        watch.Stop();

        Assert.Equal(ids.Skip(3), taken);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the second claimer waited {watch.Elapsed}");

        await tx.RollbackAsync(); // the first claimer dies before committing: its rows are due again
        Assert.Equal(ids.Take(3), await QueueClaims.ClaimAsync(fast, "delivery_jobs", 10, now, lease, CancellationToken.None));
    }
}

public sealed class RetentionTestsOnPostgres : RetentionTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;

    /// <summary>Several app nodes share the database: while one sweeps (holds the advisory lock), another skips its turn.</summary>
    [DbFact]
    public async Task A_pass_skips_while_another_process_sweeps()
    {
        await SeedOldDoneInboxItemAsync();
        await using (var other = new Npgsql.NpgsqlConnection(Node.PostgresConnectionString))
        {
            await other.OpenAsync();
            await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({RetentionChore.PostgresLockKey})", other))
                await take.ExecuteNonQueryAsync();

            Assert.Equal(new RetentionResult(0, 0, 0, Skipped: true), await Chore(batchSize: 10).RunOnceAsync(CancellationToken.None));
            Assert.Equal(1, await Node.WithDbAsync(db => db.InboxItems.CountAsync()));

            await using var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({RetentionChore.PostgresLockKey})", other);
            await release.ExecuteNonQueryAsync(); // the other sweep is over
        }

        Assert.Equal(new RetentionResult(0, 1, 0), await Chore(batchSize: 10).RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await Node.WithDbAsync(db => db.InboxItems.CountAsync()));
    }
}

public sealed class PinActivityTestsOnPostgres : PinActivityTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class ItemDatesTestsOnPostgres : ItemDatesTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}

public sealed class CheckInEditTestsOnPostgres : CheckInEditTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
