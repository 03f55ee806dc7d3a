using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// The read cache is emptied by every write this process makes to what documents are built from (and again when the
/// write's transaction commits), not by the queues' constant bookkeeping; an answer rendered before a write is never stored.
/// </summary>
public class ReadCacheTests : NodeTest
{
    private static readonly byte[] Body = "{}"u8.ToArray();

    [Fact]
    public void Only_writes_to_the_tables_documents_are_built_from_count()
    {
        Assert.True(ReadCacheInvalidation.Touches("UPDATE \"local_actors\" SET \"posting_policy\" = @p0\nWHERE \"id\" = @p1\nRETURNING 1;"));
        Assert.True(ReadCacheInvalidation.Touches("INSERT INTO \"delivery_jobs\" (\"inbox\") VALUES (@p0);\nUPDATE \"group_items\" AS \"g\" SET \"deleted_at\" = @p1;"));
        Assert.True(ReadCacheInvalidation.Touches("DELETE FROM followers WHERE id = 3"));
        Assert.True(ReadCacheInvalidation.Touches("INSERT INTO \"fanout_jobs\" (\"activity_id\") VALUES (@p0) RETURNING \"id\";"));
        Assert.False(ReadCacheInvalidation.Touches("SELECT \"l\".\"id\" FROM \"local_actors\" AS \"l\" WHERE \"l\".\"name\" = @p"));
        Assert.False(ReadCacheInvalidation.Touches("UPDATE fanout_jobs SET state = 1, locked_until = @p0 WHERE id IN (SELECT id FROM fanout_jobs LIMIT 1) RETURNING id"));
        Assert.False(ReadCacheInvalidation.Touches("WITH due AS (SELECT id FROM delivery_jobs FOR UPDATE SKIP LOCKED) UPDATE delivery_jobs SET state = 1 FROM due"));
        Assert.False(ReadCacheInvalidation.Touches("INSERT INTO delivery_jobs (inbox) SELECT r.inbox FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id"));
        Assert.False(ReadCacheInvalidation.Touches("UPDATE \"remote_actors\" SET \"public_key_pem\" = @p0 WHERE \"id\" = @p1;"));
        Assert.False(ReadCacheInvalidation.Touches("INSERT INTO remote_hosts (host, dead) VALUES (@p0, @p1) ON CONFLICT (host) DO UPDATE SET dead = 0"));
        // Replies and likes: only the items' pages show them.
        Assert.False(ReadCacheInvalidation.Touches("INSERT INTO \"replies\" (\"uri\") VALUES (@p0) RETURNING \"id\";"));
        Assert.True(ReadCacheInvalidation.TouchesThreads("INSERT INTO \"replies\" (\"uri\") VALUES (@p0) RETURNING \"id\";"));
        Assert.True(ReadCacheInvalidation.TouchesThreads("UPDATE replies SET deleted_at = @p0 WHERE uri = @p1"));
        Assert.True(ReadCacheInvalidation.TouchesThreads("DELETE FROM \"likes\" WHERE \"id\" = @p0"));
        Assert.False(ReadCacheInvalidation.TouchesThreads("SELECT count(*) FROM replies"));
        Assert.False(ReadCacheInvalidation.TouchesThreads("UPDATE \"local_actors\" SET \"summary\" = @p0"));
    }

    [DbFact]
    public async Task A_reply_empties_the_items_pages_and_keeps_the_documents_a_document_write_empties_both()
    {
        var documents = Node.Services.GetRequiredService<ReadCache>();
        var pages = Node.Services.GetRequiredService<ThreadPageCache>().Pages;
        void Fill()
        {
            documents.Set("doc", documents.Generation, Body, "application/json", 1, false);
            pages.Set("page", pages.Generation, Body, "text/html", 1, false);
        }
        Fill();
        var (group, prompt, promptId) = await Node.AddGroupWithPromptAsync();
        Fill();
        await Node.WithDbAsync(db =>
        {
            db.Replies.Add(new Reply { Uri = "https://remote.example/notes/1", InReplyTo = prompt, TopItemId = promptId, GroupId = group.Id,
                AuthorUri = "https://remote.example/users/mia", AuthorHost = "remote.example", Json = "{}", ContentHtml = "<p>hi</p>",
                PublishedAt = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        Assert.True(documents.TryGet("doc", out _));
        Assert.False(pages.TryGet("page", out _));

        Fill();
        await Node.WithDbAsync(db => db.LocalActors.Where(a => a.Name == "circle").ExecuteUpdateAsync(u => u.SetProperty(a => a.Summary, "New")));
        Assert.False(documents.TryGet("doc", out _));
        Assert.False(pages.TryGet("page", out _));
    }

    [DbFact]
    public async Task A_write_empties_the_cache_and_an_answer_read_before_it_is_not_stored()
    {
        var cache = Node.Services.GetRequiredService<ReadCache>();
        var before = cache.Generation;
        cache.Set("page", before, Body, "application/json", 1, false);
        Assert.True(cache.TryGet("page", out _));

        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<GroupService>().AddAsync("rust", "Rust circle", null, false, null, default);
        Assert.False(cache.TryGet("page", out _));
        cache.Set("late", before, Body, "application/json", 1, false); // rendered from what the database said before the write
        Assert.False(cache.TryGet("late", out _));

        // A queue's bookkeeping leaves it alone.
        var settled = cache.Generation;
        cache.Set("page", settled, Body, "application/json", 1, false);
        await Node.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE fanout_jobs SET state = state WHERE id = -1"));
        Assert.True(cache.TryGet("page", out _));

        // Inside a transaction: an answer stored after the statement but before the commit (other connections still
        // read the old row then) is dropped when the transaction commits.
        await using (var scope = Node.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.LocalActors.Where(a => a.Kind == ActorKind.Group && a.Name == "rust").ExecuteUpdateAsync(s => s.SetProperty(a => a.DisplayName, "Renamed"));
            cache.Set("page", cache.Generation, Body, "application/json", 1, false);
            Assert.True(cache.TryGet("page", out _));
            await tx.CommitAsync();
        }
        Assert.False(cache.TryGet("page", out _));
    }
}

public sealed class ReadCacheTestsOnPostgres : ReadCacheTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
