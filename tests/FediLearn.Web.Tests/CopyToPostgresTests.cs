using System.Text.RegularExpressions;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;
using Database = FediLearn.Web.Tests.PostgresNodeTests.Database;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 7 item 3: `database copy-to-postgres` moves a stopped SQLite node into an empty PostgreSQL database, and the
/// node started on PostgreSQL is the same node to the rest of the fediverse: same keys, same URLs, same followers.
/// </summary>
public sealed class CopyToPostgresTests
{
    [PostgresFact]
    public async Task A_node_copied_from_SQLite_to_PostgreSQL_keeps_its_keys_urls_and_followers()
    {
        await using var database = await Database.CreateAsync();
        await using var a = await PublishingNode.StartAsync("copy");
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        var accept = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        Assert.True(await VerifyFromNodeAsync(accept, remote.Inbox));
        // The key the follower's server fetched to check that Accept, and keeps in its cache.
        var cachedPem = (await GetActivityJsonAsync(a.Group))["publicKey"]!["publicKeyPem"]!.ToString();

        var post = await a.PublishAsync("posts", new { title = "Welcome", content = "Hello before the move" });
        var prompt = await a.PublishAsync("prompts", new { content = "What did you learn this week?" });
        var session = await a.PublishAsync("sessions", new { title = "Lab", content = "Hands on", startsAt = "2027-05-03T10:00", endsAt = "2027-05-03T12:00", timezone = "Europe/Berlin", place = "Room 4" });
        var noteId = $"{remote.Origin}/users/mia/statuses/1";
        var reply = remote.MastodonReply("mia", noteId, prompt.Value<string>("id")!, a.Group, $"@rust@{a.Node.Authority}", "<p>Lifetimes!</p>");
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", reply)) Assert.Equal(202, (int)response.StatusCode);
        // The Delete of a note the node never had is remembered (deleted_objects) and copied: applied before the Join
        // below, which comes from the same server.
        var early = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/users/mia/statuses/2#delete", ["type"] = "Delete",
            ["actor"] = $"{remote.Origin}/users/mia", ["object"] = new JObject { ["id"] = $"{remote.Origin}/users/mia/statuses/2", ["type"] = "Tombstone" },
        };
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", early)) Assert.Equal(202, (int)response.StatusCode);
        var join = new JObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}/join/1", ["type"] = "Join",
            ["actor"] = remote.ActorId, ["object"] = session.Value<string>("id"),
        };
        using (var response = await remote.SendAsync($"{a.Node.Origin}/inbox", join)) Assert.Equal(202, (int)response.StatusCode);
        await EventuallyAsync(() => Task.FromResult(
            remote.Received.Count(r => r.Activity.Value<string>("type") == "Create") >= 3
            && remote.Received.Any(r => r.Activity.Value<string>("type") == "Announce")
            && remote.Received.Any(r => r.Activity.Value<string>("type") == "Accept" && r.Activity["object"]?.Value<string>("type") == "Join")),
            "three Creates, the reply's Announce and the Join's Accept", a.Node);

        await a.Node.KillAsync(); // stopped, hard: the SQLite WAL is not even checkpointed
        var copy = await a.Node.CliAsync("database", "copy-to-postgres", "--to", database.ConnectionString);
        Assert.True(copy.ExitCode == 0, $"{copy.StdOut}\n{copy.StdErr}");
        Assert.Matches(new Regex(@"^  group_items +3 / 3", RegexOptions.Multiline), copy.StdOut); // progress line
        Assert.Matches(new Regex(@"^  followers +1 +1$", RegexOptions.Multiline), copy.StdOut); // verified counts: source, target
        Assert.Matches(new Regex(@"^  rsvps +1 +1$", RegexOptions.Multiline), copy.StdOut);
        Assert.Matches(new Regex(@"^  replies +1 +1$", RegexOptions.Multiline), copy.StdOut);
        Assert.Matches(new Regex(@"^  deleted_objects +1 +1$", RegexOptions.Multiline), copy.StdOut);
        Assert.Contains("counts match", copy.StdOut);
        Assert.Contains("FediLearn__Database__Provider=Postgres", copy.StdOut);
        Assert.Equal(3, await database.ScalarAsync("SELECT count(*) FROM group_items"));

        a.Node.Configure("FediLearn__Database__Provider", "Postgres");
        a.Node.Configure("FediLearn__Database__ConnectionString", database.ConnectionString);
        await a.Node.RestartAsync();

        Assert.Equal(cachedPem, (await GetActivityJsonAsync(a.Group))["publicKey"]!["publicKeyPem"]!.ToString());
        var oldPost = await GetActivityJsonAsync(post.Value<string>("id")!);
        Assert.Equal(post.Value<string>("id"), oldPost.Value<string>("id"));
        Assert.Contains("Hello before the move", oldPost.Value<string>("content"));
        var replies = await GetActivityJsonAsync($"{prompt.Value<string>("id")}/replies?page=1");
        Assert.Equal([noteId], replies["orderedItems"]!.Values<string>());
        Assert.Contains($"{remote.ActorId} yes", (await a.Node.CliAsync("sessions", "attendees", "rust", session.Value<long>("localId").ToString())).StdOut);

        // A new post: new rows in group_items, outbound_activities and delivery_jobs (sequences continue after the copied ids),
        // delivered to the follower copied over, and signed with the key its server cached before the move.
        var fresh = await a.PublishAsync("posts", new { content = "Hello from PostgreSQL" });
        Assert.True(fresh.Value<long>("localId") > session.Value<long>("localId"));
        Assert.Equal(4, await database.ScalarAsync("SELECT count(*) FROM group_items"));
        await EventuallyAsync(() => Task.FromResult(remote.Received.Any(r => IsCreateOf(r, fresh.Value<string>("id")!))), "the new post's Create", a.Node);
        var create = remote.Received.First(r => IsCreateOf(r, fresh.Value<string>("id")!));
        var check = HttpSignatureVerifier.Inspect(new SignedRequest("POST", new Uri(remote.Origin + create.Path), create.Headers, create.Body), DateTimeOffset.UtcNow).Check;
        Assert.NotNull(check);
        using var cachedKey = VerificationKey.FromPem(cachedPem);
        Assert.True(check.Verify(cachedKey));
        await a.Node.CliAsync("groups", "add", "second", "--title", "Second group").MustAsync();
    }

    [PostgresFact]
    public async Task Copying_into_a_database_that_has_rows_is_refused_and_changes_nothing()
    {
        await using var database = await Database.CreateAsync();
        await using (var pg = await NodeProcess.StartAsync("copy-pg", settings: database.Settings()))
            await pg.CliAsync("groups", "add", "already", "--title", "Already here").MustAsync();
        await using var a = await NodeProcess.StartAsync("copy-src");
        await a.CliAsync("groups", "add", "open", "--title", "Open group").MustAsync();
        await a.KillAsync();
        var actors = await database.ScalarAsync("SELECT count(*) FROM local_actors");

        var copy = await a.CliAsync("database", "copy-to-postgres", "--to", database.ConnectionString);

        Assert.Equal(1, copy.ExitCode);
        // The first table (in copy order) that has rows is named: local_actors, or the login key ring the server made.
        var refusal = Regex.Match(copy.StdErr.Trim(),
            "^error: the target database is not empty: table ([a-z_]+) has rows. Copy only into a new, empty database; nothing was copied$");
        Assert.True(refusal.Success, copy.StdErr);
        Assert.Contains(refusal.Groups[1].Value, new[] { "local_actors", "data_protection_keys" });
        Assert.True(await database.ScalarAsync($"SELECT count(*) FROM {refusal.Groups[1].Value}") > 0);
        Assert.Equal(actors, await database.ScalarAsync("SELECT count(*) FROM local_actors"));
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM local_actors WHERE name = 'open'"));
    }

    [PostgresFact]
    public async Task A_bad_target_or_a_node_already_on_PostgreSQL_is_refused_with_one_line()
    {
        await using var a = await NodeProcess.StartAsync("copy-bad");
        await a.KillAsync();
        var server = PostgresNodeTests.Server!;
        string[] targets =
        [
            "Host=127.0.0.1;Port=1;Username=postgres;Database=nowhere", // nothing listens
            "Hots=db;Database=fedilearn", // not a connection string
            "garbage=;", // Npgsql's KeyNotFoundException: a stack trace until 2026-12-05
            $"{server};Database=fl_missing_{Guid.NewGuid():N}", // no such database
        ];
        foreach (var target in targets)
        {
            var copy = await a.CliAsync("database", "copy-to-postgres", "--to", target);
            Assert.True(copy.ExitCode == 1, $"{target}: {copy.ExitCode}\n{copy.StdOut}\n{copy.StdErr}");
            var line = Assert.Single(copy.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith("error: ", line);
            Assert.DoesNotContain("   at ", copy.StdOut + copy.StdErr);
        }

        // A source one migration behind (an older version's file) is refused before anything is read or written.
        await using (var sqlite = new SqliteConnection($"Data Source={Path.Combine(a.DataPath, "fedilearn.db")};Pooling=false"))
        {
            await sqlite.OpenAsync();
            await using var command = new SqliteCommand("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)", sqlite);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        var behind = await a.CliAsync("database", "copy-to-postgres", "--to", server);
        Assert.Equal(1, behind.ExitCode);
        Assert.StartsWith("error: the SQLite database is not at the latest schema (missing migration ", behind.StdErr.Trim());

        a.Configure("FediLearn__Database__Provider", "Postgres");
        a.Configure("FediLearn__Database__ConnectionString", server);
        var refused = await a.CliAsync("database", "copy-to-postgres", "--to", server);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("configured for Postgres", refused.StdErr);
        Assert.DoesNotContain("   at ", refused.StdOut + refused.StdErr);
    }

    private static bool IsCreateOf(ReceivedRequest r, string objectId) =>
        r.Activity.Value<string>("type") == "Create" && r.Activity["object"] is JObject o && o.Value<string>("id") == objectId;
}
