using System.Net;
using System.Net.Sockets;
using FediLearn.Core.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FediLearn.Core.Tests;

/// <summary>
/// <see cref="DatabaseOutage"/> tells a database that cannot serve right now (answered 503 with Retry-After) from a bug
/// or a bad request (500, 409), with each client's real errors: no hand-made exceptions.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task PostgreSQL_out_of_reach_is_an_outage()
    {
        var cs = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = FreePort(), Username = "x", Database = "x", Timeout = 3, Pooling = false };
        await using var connection = new NpgsqlConnection(cs.ConnectionString);
        var e = await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync());
        Assert.True(DatabaseOutage.IsOutage(new InvalidOperationException("wrapped as EF's retrying strategy does", e)), e.Message);
    }

    [Fact]
    public async Task A_SQLite_file_locked_past_the_busy_timeout_is_an_outage_and_a_constraint_error_is_not()
    {
        var file = Path.Combine(Path.GetTempPath(), $"outage-{Guid.NewGuid():N}.db");
        try
        {
            await using var holder = new SqliteConnection($"Data Source={file};Pooling=False");
            await holder.OpenAsync();
            await Exec(holder, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); BEGIN EXCLUSIVE;");
            await using var other = new SqliteConnection($"Data Source={file};Pooling=False;Default Timeout=1");
            await other.OpenAsync();
            var busy = await Assert.ThrowsAsync<SqliteException>(() => Exec(other, "INSERT INTO t VALUES (2)"));
            Assert.True(DatabaseOutage.IsOutage(busy), busy.Message);

            await Exec(holder, "ROLLBACK");
            var constraint = await Assert.ThrowsAsync<SqliteException>(() => Exec(other, "INSERT INTO t VALUES (1)"));
            Assert.False(DatabaseOutage.IsOutage(constraint), constraint.Message);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_remote_server_out_of_reach_is_not_the_databases_outage()
    {
        using var http = new HttpClient();
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://127.0.0.1:{FreePort()}/"));
        Assert.IsType<SocketException>(e.InnerException);
        Assert.False(DatabaseOutage.IsOutage(e));
    }

    private static async Task Exec(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
