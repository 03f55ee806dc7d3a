using System.Data.Common;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// When the read caches are emptied for a write, other connections must already see it: a page rendered in between
/// reads the old rows under the new generation and is kept, stale, until it expires. SaveChanges runs a lone DELETE
/// outside any transaction as <c>DELETE … RETURNING</c>, a reader, and SQLite commits such a statement only when it
/// completes, not when the reader comes back from being executed (a flaky ThreadTests case, an Undo{Like} whose page kept
/// "1 like", found it on 2026-12-06).
/// </summary>
public class ReadCacheCommitTests : NodeTest
{
    [Fact]
    public async Task A_lone_write_empties_the_caches_only_once_other_connections_see_it()
    {
        await Node.WithDbAsync(db =>
        {
            db.Likes.Add(new Like { ObjectUri = "https://coop.example/g/rust/posts/1", ActorUri = "https://mastodon.example/users/mia", ActivityId = "https://mastodon.example/likes/1", CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        var pages = Node.Services.GetRequiredService<ThreadPageCache>().Pages;
        var probe = new VisibilityProbe(Node.DatabaseFile, pages);
        // The node's own interceptor, then the probe: what the probe sees is what a reader sees right after the emptying.
        var options = new DbContextOptionsBuilder<FediLearnDbContext>()
            .UseSqlite($"Data Source={Node.DatabaseFile}")
            .UseModel(Data.CompiledModels.Sqlite.FediLearnDbContextModel.Instance)
            .AddInterceptors(Node.Services.GetRequiredService<ReadCacheInvalidation>(), probe)
            .Options;
        await using (var db = new FediLearnDbContext(options))
        {
            db.Likes.Remove(await db.Likes.SingleAsync());
            await db.SaveChangesAsync();
        }

        var last = pages.Generation;
        Assert.NotEmpty(probe.Seen);
        Assert.DoesNotContain(probe.Seen, s => s.Generation == last && s.RowStillThere);
        Assert.Contains(probe.Seen, s => s.Generation == last); // the last emptying was one the probe looked at
    }

    private sealed class VisibilityProbe(string file, ReadCache pages) : DbCommandInterceptor
    {
        public List<(long Generation, bool RowStillThere)> Seen { get; } = [];

        private void Look(DbCommand command)
        {
            if (!command.CommandText.Contains("DELETE FROM \"likes\"", StringComparison.Ordinal)) return;
            using var other = new SqliteConnection($"Data Source={file}");
            other.Open();
            using var count = other.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM likes";
            Seen.Add((pages.Generation, (long)count.ExecuteScalar()! > 0));
        }

        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            Look(command);
            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            Look(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
        {
            Look(command);
            return result;
        }
    }
}
