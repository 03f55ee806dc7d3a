using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;
using Database = FediLearn.Web.Tests.PostgresNodeTests.Database;

namespace FediLearn.Web.Tests;

/// <summary>
/// The CLI rule: bad input gets one `error: …` line and exit code 1, never a stack trace, and a command never reports
/// something that is not so.
/// </summary>
public sealed class CliBadInputTests
{
    /// <summary>
    /// Until 2026-12-07 a URL that is no URL ("https://", a space in the host) escaped as UriFormatException, and the URL
    /// of something that is not an actor (here the group's followers collection; a Lemmy post alike) as
    /// ActivityJsonException: both printed a stack trace.
    /// </summary>
    [Fact]
    public async Task Following_a_bad_URL_or_something_that_is_not_an_actor_is_one_line()
    {
        await using var a = await NodeProcess.StartAsync("follow-bad");
        await a.CliAsync("groups", "add", "rust", "--title", "Rust study circle").MustAsync();
        await a.CliWithInputAsync("a-long-password-1\n", "users", "add", "ana", "--email", "ana@a.example").MustAsync();
        foreach (var target in new[] { "https://", "https://bad host/x", $"{a.Origin}/g/rust/followers" })
        {
            var run = await a.CliAsync("following", "add", "ana", target);
            Assert.True(run.ExitCode == 1, $"{target}: {run.ExitCode}\n{run.StdOut}\n{run.StdErr}");
            var line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"error: could not find an actor at {target}: ", line);
            Assert.DoesNotContain("   at ", run.StdOut + run.StdErr);
        }
        Assert.DoesNotContain("followers", (await a.CliAsync("following", "list", "ana").MustAsync()).StdOut);
    }

    /// <summary>
    /// An archived group takes replies from its facilitators only, whatever its setting. Until 2026-12-07 setting it to
    /// open printed "now takes replies from: open" while facilitators-only stayed in force.
    /// </summary>
    [Fact]
    public async Task Setting_the_posting_policy_of_an_archived_group_says_what_is_in_force()
    {
        await using var a = await NodeProcess.StartAsync("policy-archived");
        await a.CliAsync("groups", "add", "rust", "--title", "Rust study circle").MustAsync();
        Assert.Equal("rust now takes replies from: participants",
            (await a.CliAsync("groups", "set", "rust", "--posting-policy", "participants").MustAsync()).StdOut.Trim());
        await using (var sqlite = new SqliteConnection($"Data Source={Path.Combine(a.DataPath, "fedilearn.db")};Pooling=false"))
        {
            await sqlite.OpenAsync();
            await using var command = new SqliteCommand("UPDATE local_actors SET archive_at = '2020-01-01 00:00:00' WHERE name = 'rust'", sqlite);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var set = await a.CliAsync("groups", "set", "rust", "--posting-policy", "open").MustAsync();

        Assert.Equal("rust is archived: while it is, only facilitators reply. Its posting policy is now open, in force once it is unarchived", set.StdOut.Trim());
    }

    /// <summary>
    /// Until 2026-12-07 the copy created FediLearn's schema in the target before checking that it was empty: a database
    /// holding another application's tables was left with FediLearn's tables next to them, then refused; another
    /// application's schema_migrations table (Rails keeps one) or a role without CREATE failed with a stack trace.
    /// Now "empty" is checked first (no table that is not FediLearn's) and nothing is created when it is refused.
    /// </summary>
    [PostgresFact]
    public async Task Copying_into_a_database_with_other_tables_creates_nothing_and_says_so_in_one_line()
    {
        await using var a = await NodeProcess.StartAsync("copy-foreign");
        await a.CliAsync("groups", "add", "open", "--title", "Open group").MustAsync();
        await a.KillAsync();

        await using (var other = await Database.CreateAsync())
        {
            await other.ScalarAsync("CREATE TABLE invoices (id int PRIMARY KEY); INSERT INTO invoices VALUES (1)");
            var copy = await a.CliAsync("database", "copy-to-postgres", "--to", other.ConnectionString);
            AssertOneLineRefusal(copy, "error: the target database is not empty: it has a table invoices that is not FediLearn's. " +
                "Copy only into a new, empty database (no tables in its schema); nothing was created or copied");
            Assert.Equal(1, await TablesAsync(other));
        }

        await using (var rails = await Database.CreateAsync())
        {
            await rails.ScalarAsync("CREATE TABLE schema_migrations (version varchar PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101120000')");
            var copy = await a.CliAsync("database", "copy-to-postgres", "--to", rails.ConnectionString);
            AssertOneLineRefusal(copy, "error: the target database is not empty: its schema_migrations table is another application's (version 20240101120000). " +
                "Copy only into a new, empty database (no tables in its schema); nothing was created or copied");
            Assert.Equal(1, await TablesAsync(rails));
        }

        // A role that may connect but not create tables (PostgreSQL 15's default for public): the server's reason, on one line.
        await using (var locked = await Database.CreateAsync())
        {
            var role = "fl_nocreate_" + Guid.NewGuid().ToString("N")[..12];
            await locked.ScalarAsync($"CREATE ROLE {role} LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CONNECT ON DATABASE \"{new NpgsqlConnectionStringBuilder(locked.ConnectionString).Database}\" TO {role}");
            try
            {
                var asRole = new NpgsqlConnectionStringBuilder(locked.ConnectionString) { Username = role, Pooling = false }.ConnectionString;
                var copy = await a.CliAsync("database", "copy-to-postgres", "--to", asRole);
                Assert.True(copy.ExitCode == 1, $"{copy.ExitCode}\n{copy.StdOut}\n{copy.StdErr}");
                var line = Assert.Single(copy.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                Assert.StartsWith("error: cannot check or create FediLearn's schema in the target database: ", line);
                Assert.Contains("permission denied", line);
                Assert.DoesNotContain("   at ", copy.StdOut + copy.StdErr);
                Assert.Equal(0, await TablesAsync(locked));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await locked.ScalarAsync($"DROP OWNED BY {role}; DROP ROLE {role}");
            }
        }
    }

    private static void AssertOneLineRefusal(CliResult copy, string expected)
    {
        Assert.True(copy.ExitCode == 1, $"{copy.ExitCode}\n{copy.StdOut}\n{copy.StdErr}");
        Assert.Equal(expected, copy.StdErr.Trim());
        Assert.DoesNotContain("   at ", copy.StdOut + copy.StdErr);
    }

    private static Task<long> TablesAsync(Database database) =>
        database.ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'");
}
