using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Core.Tests;

/// <summary>
/// Rows written set-based (<see cref="MultiRowWrites"/>) must be the rows EF's SaveChanges writes: the inbox's replies,
/// Announces and received activities are read back through EF, by the pages and by the retention chore. On SQLite the
/// values travel as one JSON parameter, so each type's stored form is checked against EF's own, byte for byte.
/// </summary>
public class MultiRowWritesTests : NodeTest
{
    private static readonly string[] Columns = ["key", "actor_id", "type", "json", "is_public", "created_at", "reply_id"];

    // Quotes, backslashes, a control character, HTML, non-ASCII and an astral character survive the JSON.
    private const string Text = "{\"content\":\"<p>Ça \\\"marche\\\" & 🙂</p>\"}\n\u0001\\";
    private static readonly DateTime Instant = new(2026, 12, 3, 9, 8, 46, 143, DateTimeKind.Utc);

    [DbFact]
    public async Task Rows_written_together_read_back_as_the_rows_EF_writes()
    {
        var (group, _, _) = await Node.AddGroupWithPromptAsync();
        await Node.WithDbAsync(async db =>
        {
            db.OutboundActivities.Add(new OutboundActivity { Key = "by-ef", ActorId = group.Id, Type = "Note", Json = Text, IsPublic = true, CreatedAt = Instant.AddTicks(10) });
            await db.SaveChangesAsync();
            await MultiRowWrites.InsertAsync(db, "outbound_activities", Columns,
            [
                ["together-1", group.Id, "Note", Text, true, Instant.AddTicks(10), null],
                ["together-2", group.Id, "Announce", "", false, Instant, 7L],
            ], default);
            return 0;
        });

        string[] keys = ["by-ef", "together-1", "together-2"];
        var rows = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => keys.Contains(a.Key)).OrderBy(a => a.Id).ToListAsync());
        Assert.Equal(["by-ef", "together-1", "together-2"], rows.Select(r => r.Key)); // inserted in the order given
        Assert.Equal((Text, true, Instant.AddTicks(10), (long?)null), (rows[1].Json, rows[1].IsPublic, rows[1].CreatedAt, rows[1].ReplyId));
        Assert.Equal(("Announce", "", false, Instant, (long?)7), (rows[2].Type, rows[2].Json, rows[2].IsPublic, rows[2].CreatedAt, rows[2].ReplyId));
        // What is stored, not only what reads back: SQLite compares TEXT dates as strings, so the format must be EF's.
        if (Node.Provider == TestProvider.Sqlite)
        {
            var stored = await Node.WithDbAsync(db => db.Database.SqlQueryRaw<string>(
                "SELECT typeof(created_at) || ':' || created_at || '|' || typeof(is_public) || ':' || is_public || '|' || typeof(json) || ':' || hex(json) AS \"Value\" FROM outbound_activities WHERE key IN ('by-ef', 'together-1') ORDER BY id")
                .ToListAsync());
            Assert.Equal(2, stored.Count);
            Assert.Equal(stored[0], stored[1]);
        }
    }

    [DbFact]
    public async Task A_row_whose_unique_value_is_present_is_skipped_and_values_are_set_by_id()
    {
        var (group, _, _) = await Node.AddGroupWithPromptAsync();
        var ids = await Node.WithDbAsync(async db =>
        {
            await MultiRowWrites.InsertAsync(db, "outbound_activities", Columns, [["k1", group.Id, "Note", "first", true, Instant, null]], default);
            await MultiRowWrites.InsertAsync(db, "outbound_activities", Columns,
                [["k1", group.Id, "Note", "second", true, Instant, null], ["k2", group.Id, "Note", "other", true, Instant, null]], default, unlessExists: "key");
            var keyed = await db.OutboundActivities.AsNoTracking().Where(a => a.Key.StartsWith("k")).ToDictionaryAsync(a => a.Key, a => a.Id);
            await MultiRowWrites.SetByIdAsync(db, "outbound_activities", "reply_id", [(keyed["k1"], 11L), (keyed["k2"], 12L)], default);
            return keyed;
        });

        var rows = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Key.StartsWith("k")).OrderBy(a => a.Id).ToListAsync());
        Assert.Equal([("k1", "first", (long?)11), ("k2", "other", 12)], rows.Select(r => (r.Key, r.Json, r.ReplyId)));
        Assert.Equal(2, ids.Count);
    }

    /// <summary>
    /// The inbox's intake and reply batches learn their rows' ids from the insert itself (RETURNING): each id must be the
    /// one its key got, a row skipped as already present must not be in the answer (the intake calls it a replay), and
    /// a batch longer than one PostgreSQL statement answers for all its statements.
    /// </summary>
    [DbFact]
    public async Task An_insert_returning_ids_answers_the_id_of_each_row_it_wrote_and_only_those()
    {
        var (group, _, _) = await Node.AddGroupWithPromptAsync();
        var count = MultiRowWrites.RowsPerStatement + 5;
        var answered = await Node.WithDbAsync(async db =>
        {
            await MultiRowWrites.InsertAsync(db, "outbound_activities", Columns, [["r-7", group.Id, "Note", "there before", true, Instant, null]], default);
            return await MultiRowWrites.InsertReturningIdsAsync(db, "outbound_activities", Columns, "key",
                [.. Enumerable.Range(0, count).Select(i => new object?[] { $"r-{i}", group.Id, "Note", $"row {i}", true, Instant, null })], default, unlessExists: "key");
        });

        var stored = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Key.StartsWith("r-"))
            .ToDictionaryAsync(a => a.Key, a => (a.Id, a.Json)));
        Assert.Equal(count, stored.Count);
        Assert.Equal("there before", stored["r-7"].Json);
        Assert.DoesNotContain("r-7", answered.Keys);
        Assert.Equal(count - 1, answered.Count);
        foreach (var (key, id) in answered) Assert.Equal(stored[key].Id, id);
    }

    [DbFact]
    public async Task A_value_of_a_type_it_cannot_write_is_an_error_and_writes_nothing()
    {
        var (group, _, _) = await Node.AddGroupWithPromptAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Node.WithDbAsync(async db =>
        {
            await MultiRowWrites.InsertAsync(db, "outbound_activities", Columns, [["k", group.Id, "Note", "", true, Instant, new object()]], default);
            return 0;
        }));
        if (Node.Provider == TestProvider.Sqlite) Assert.Equal("no SQLite JSON form for a Object (Parameter 'value')", error.Message);
        Assert.Equal(0, await Node.WithDbAsync(db => db.OutboundActivities.CountAsync(a => a.Key == "k")));
    }
}

public sealed class MultiRowWritesTestsOnPostgres : MultiRowWritesTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
