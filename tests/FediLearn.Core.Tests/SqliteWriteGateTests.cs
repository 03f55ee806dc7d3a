using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// The in-process queue for SQLite writers (architecture.md, Durability): a second writer waits in memory while the
/// first holds the file, a write inside an open transaction joins it instead of waiting on itself, and on PostgreSQL
/// (row locks) nothing queues.
/// </summary>
public class SqliteWriteGateTests : NodeTest
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    // The holder takes only the in-memory gate, not SQLite's lock: what waits below waits on the gate, not in SQLite's
    // busy handler (which would also keep it from completing).

    [DbFact]
    public async Task The_writer_counters_count_each_write_on_SQLite_and_are_absent_on_PostgreSQL()
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var start = SqliteWriteGate.StatisticsOf(db);
        if (Provider != TestProvider.Sqlite)
        {
            Assert.Null(start);
            return;
        }
        Assert.NotNull(start);
        db.RemoteHosts.Add(new RemoteHost { Host = "counted.example" });
        await db.SaveChangesAsync();
        var after = SqliteWriteGate.StatisticsOf(db)!;
        Assert.Equal(start.Writes + 1, after.Writes);
        Assert.True(after.Held > start.Held);
    }

    [DbFact]
    public async Task A_write_transaction_waits_in_memory_while_another_writer_holds_the_gate()
    {
        await using var first = Node.Scope();
        await using var second = Node.Scope();
        var a = first.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var b = second.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        var holder = await SqliteWriteGate.EnterAsync(a, default);
        Assert.Equal(Provider == TestProvider.Sqlite, holder is not null);
        var waiting = SqliteWriteGate.BeginAsync(b, default);
        await Task.Delay(Settle);

        Assert.Equal(Provider != TestProvider.Sqlite, waiting.IsCompleted);
        holder?.Dispose();
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        b.RemoteHosts.Add(new RemoteHost { Host = "b.example" });
        await b.SaveChangesAsync();
        await next.CommitAsync(default);
        Assert.Equal(1, await a.RemoteHosts.CountAsync());
    }

    [DbFact]
    public async Task A_save_outside_a_transaction_takes_the_gate_too()
    {
        await using var first = Node.Scope();
        await using var second = Node.Scope();
        var a = first.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var b = second.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        var holder = await SqliteWriteGate.EnterAsync(a, default);
        b.RemoteHosts.Add(new RemoteHost { Host = "b.example" });
        var save = b.SaveChangesAsync();
        await Task.Delay(Settle);

        Assert.Equal(Provider != TestProvider.Sqlite, save.IsCompleted);
        holder?.Dispose();
        Assert.Equal(1, await save.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [DbFact]
    public async Task A_write_inside_an_open_transaction_joins_it_instead_of_waiting_for_itself()
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        await using var outer = await SqliteWriteGate.BeginAsync(db, default);
        var inner = SqliteWriteGate.BeginAsync(db, default);
        Assert.True(inner.IsCompletedSuccessfully); // joined at once: the caller's transaction, the caller's commit
        await using (await inner)
        {
            db.RemoteHosts.Add(new RemoteHost { Host = "a.example" });
            Assert.Equal(1, await db.SaveChangesAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        await outer.CommitAsync(default);
        Assert.Equal(1, await db.RemoteHosts.CountAsync());
    }

    /// <summary>
    /// The writer's figures on /metrics (docs/operations.md, Monitoring): every release counts one write, its time in the
    /// gate, and the time it waited to get in. A writer that met nobody waited (next to) nothing.
    /// </summary>
    [DbFact]
    public async Task The_gate_counts_each_write_the_time_it_held_the_writer_and_the_time_it_waited()
    {
        await using var first = Node.Scope();
        await using var second = Node.Scope();
        var a = first.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var b = second.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        if (Provider != TestProvider.Sqlite)
        {
            using (await SqliteWriteGate.EnterAsync(a, default)) { }
            Assert.Null(SqliteWriteGate.StatisticsOf(a)); // no gate, nothing to count
            return;
        }
        var zero = new SqliteWriteGate.WriterStatistics(0, TimeSpan.Zero, TimeSpan.Zero);

        var before = SqliteWriteGate.StatisticsOf(a) ?? zero;
        using (await SqliteWriteGate.EnterAsync(b, default)) await Task.Delay(TimeSpan.FromMilliseconds(100));
        var alone = SqliteWriteGate.StatisticsOf(b)!;
        Assert.Equal(before.Writes + 1, alone.Writes);
        Assert.InRange(alone.Held - before.Held, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(10));
        Assert.InRange(alone.Waited - before.Waited, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));

        var holder = await SqliteWriteGate.EnterAsync(a, default);
        var waiting = SqliteWriteGate.EnterAsync(b, default).AsTask();
        await Task.Delay(Settle);
        holder!.Dispose();
        (await waiting.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
        var after = SqliteWriteGate.StatisticsOf(a)!;
        Assert.Equal(alone.Writes + 2, after.Writes);
        Assert.InRange(after.Held - alone.Held, Settle - TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10));
        Assert.InRange(after.Waited - alone.Waited, Settle - TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10));
        // The holder's time counts once: as held by it and as waited by the other, never the wait as held too.
        Assert.True(after.Held - alone.Held < (after.Waited - alone.Waited) * 1.5, $"held {after.Held - alone.Held}, waited {after.Waited - alone.Waited}");
    }
}

public sealed class SqliteWriteGateTestsOnPostgres : SqliteWriteGateTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
