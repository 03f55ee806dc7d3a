using System.Globalization;
using FediLearn.ActivityPub.Keys;
using Microsoft.Data.Sqlite;

namespace FediLearn.Benchmarks;

/// <summary>Direct access to a running node's SQLite file (WAL mode): seeding followers and reading queue state, outside the timed window.</summary>
public sealed class NodeDatabase(string dataPath) : IDisposable
{
    private readonly SqliteConnection _connection = Open(dataPath);

    /// <summary>The open connection, for the benchmarks' own statements (checkpoints, counts, seeding).</summary>
    public SqliteConnection Connection => _connection;

    private static SqliteConnection Open(string dataPath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataPath, "fedilearn.db"),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    public long GroupId(string name) =>
        Scalar<long>("SELECT id FROM local_actors WHERE name = $n", ("$n", name));

    public string PrivateKeyPem(long actorId) =>
        Scalar<string>("SELECT rsa_private_key_pem FROM local_actors WHERE id = $id", ("$id", actorId));

    /// <summary>
    /// <paramref name="followers"/> accepted followers of <paramref name="groupId"/>, spread round-robin over
    /// <paramref name="inboxUrls"/> as their shared inbox; each its own remote actor (unique uri) on the inbox's host.
    /// </summary>
    public void SeedFollowers(long groupId, string prefix, int followers, IReadOnlyList<string> inboxUrls)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        using var tx = _connection.BeginTransaction();
        using var actor = _connection.CreateCommand();
        actor.Transaction = tx;
        actor.CommandText = """
            INSERT INTO remote_actors (uri, type, host, username, display_name, inbox, shared_inbox, key_id, public_key_pem, fetched_at)
            VALUES ($uri, 'Person', $host, $user, $name, $inbox, $shared, $key, $pem, $now) RETURNING id
            """;
        var pUri = actor.Parameters.Add("$uri", SqliteType.Text);
        var pHost = actor.Parameters.Add("$host", SqliteType.Text);
        var pUser = actor.Parameters.Add("$user", SqliteType.Text);
        var pName = actor.Parameters.Add("$name", SqliteType.Text);
        var pInbox = actor.Parameters.Add("$inbox", SqliteType.Text);
        var pShared = actor.Parameters.Add("$shared", SqliteType.Text);
        var pKey = actor.Parameters.Add("$key", SqliteType.Text);
        actor.Parameters.AddWithValue("$now", now);
        // A fetched actor's row holds its public key (~450 characters of PEM), which makes up most of a real row: seeded
        // rows of the same size make the fan-out's expansion read as much as it would on a real node.
        actor.Parameters.AddWithValue("$pem", KeyGenerator.NewRsa2048().PublicKeyPem);

        using var follower = _connection.CreateCommand();
        follower.Transaction = tx;
        follower.CommandText = """
            INSERT INTO followers (local_actor_id, remote_actor_id, actor_uri, follow_activity_id, follow_json, state, created_at, accepted_at)
            VALUES ($group, $actor, $uri, $follow, $json, 1, $now, $now)
            """;
        follower.Parameters.AddWithValue("$group", groupId);
        var fActor = follower.Parameters.Add("$actor", SqliteType.Integer);
        var fUri = follower.Parameters.Add("$uri", SqliteType.Text);
        var fFollow = follower.Parameters.Add("$follow", SqliteType.Text);
        var fJson = follower.Parameters.Add("$json", SqliteType.Text);
        follower.Parameters.AddWithValue("$now", now);

        for (var i = 0; i < followers; i++)
        {
            var shared = new Uri(inboxUrls[i % inboxUrls.Count]);
            var uri = $"{shared.GetLeftPart(UriPartial.Authority)}/{prefix}/users/{i}";
            pUri.Value = uri;
            pHost.Value = shared.Authority;
            pUser.Value = $"u{i}";
            pName.Value = $"Learner {i}";
            pInbox.Value = uri + "/inbox";
            pShared.Value = shared.ToString();
            pKey.Value = uri + "#main-key";
            var id = (long)actor.ExecuteScalar()!;

            fActor.Value = id;
            fUri.Value = uri;
            fFollow.Value = $"{uri}/follows/{groupId}";
            fJson.Value = $$"""{"@context":"https://www.w3.org/ns/activitystreams","id":"{{uri}}/follows/{{groupId}}","type":"Follow","actor":"{{uri}}","object":"group"}""";
            follower.ExecuteNonQuery();
        }
        // A follower's server has been contacted before (the Accept of its Follow), so its remote_hosts row exists.
        // Seeding it also keeps the benchmark clear of a first-contact race in DeliveryWorker.RecordAsync (two
        // concurrent deliveries to a host without a row both INSERT it: UNIQUE constraint, see docs/performance.md).
        using var host = _connection.CreateCommand();
        host.Transaction = tx;
        host.CommandText = "INSERT OR IGNORE INTO remote_hosts (host, failing_since, last_failure_at, last_success_at, dead) VALUES ($h, NULL, NULL, $ms, 0)";
        var hHost = host.Parameters.Add("$h", SqliteType.Text);
        host.Parameters.AddWithValue("$ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        foreach (var authority in inboxUrls.Select(u => new Uri(u).Authority).Distinct())
        {
            hHost.Value = authority;
            host.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The newest outbound activity of an actor: id and JSON.</summary>
    public (long Id, string Json) LatestActivity(long actorId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id, json FROM outbound_activities WHERE actor_id = $a ORDER BY id DESC LIMIT 1";
        cmd.Parameters.AddWithValue("$a", actorId);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException($"no outbound activity for actor {actorId}");
        return (reader.GetInt64(0), reader.GetString(1));
    }

    public long OpenDeliveries() => Scalar<long>("SELECT COUNT(*) FROM delivery_jobs WHERE state IN (0, 1)");

    /// <summary>Open delivery jobs whose inbox does not contain <paramref name="exceptInboxPart"/> (jobs left in retry backoff on purpose).</summary>
    public long OpenDeliveries(string exceptInboxPart) =>
        Scalar<long>("SELECT COUNT(*) FROM delivery_jobs WHERE state IN (0, 1) AND instr(inbox, $x) = 0", ("$x", exceptInboxPart));

    /// <summary>Delivery jobs of one activity whose inbox contains <paramref name="inboxPart"/>: count, attempts made, still open (pending or running).</summary>
    public (long Jobs, long Attempts, long Open) DeliveriesTo(long activityId, string inboxPart)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), COALESCE(SUM(attempts), 0), COALESCE(SUM(state IN (0, 1)), 0) FROM delivery_jobs WHERE activity_id = $a AND instr(inbox, $x) > 0";
        cmd.Parameters.AddWithValue("$a", activityId);
        cmd.Parameters.AddWithValue("$x", inboxPart);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>
    /// Jobs of the activity to inboxes containing <paramref name="inboxPart"/> whose last attempt was not sent because their
    /// host had just refused a connection (the delivery worker's UnreachableHosts: no signature, no connection).
    /// </summary>
    public long NotSentTo(long activityId, string inboxPart) =>
        Scalar<long>("SELECT COUNT(*) FROM delivery_jobs WHERE activity_id = $a AND instr(inbox, $x) > 0 AND last_error LIKE 'not sent:%'",
            ("$a", activityId), ("$x", inboxPart));

    /// <summary>Attempts made so far on every job whose inbox contains <paramref name="inboxPart"/> (all activities).</summary>
    public long AttemptsTo(string inboxPart) =>
        Scalar<long>("SELECT COALESCE(SUM(attempts), 0) FROM delivery_jobs WHERE instr(inbox, $x) > 0", ("$x", inboxPart));

    /// <summary>Job counts by queue, state and last error (for error messages).</summary>
    public string QueueSummary()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT 'delivery', state, COUNT(*), MAX(last_error) FROM delivery_jobs GROUP BY state
            UNION ALL SELECT 'fanout', state, COUNT(*), MAX(last_error) FROM fanout_jobs GROUP BY state
            """;
        using var reader = cmd.ExecuteReader();
        var parts = new List<string>();
        while (reader.Read())
            parts.Add($"{reader.GetString(0)} state {reader.GetInt64(1)}: {reader.GetInt64(2)}{(reader.IsDBNull(3) ? "" : " (" + reader.GetString(3) + ")")}");
        return string.Join("; ", parts);
    }

    public long OpenFanouts() => Scalar<long>("SELECT COUNT(*) FROM fanout_jobs WHERE state IN (0, 1)");

    /// <summary>Delivery jobs of one activity: count, succeeded, failed, first created_at, last completed_at (unix ms), retried ones.</summary>
    public (long Jobs, long Succeeded, long Failed, long CreatedMin, long CreatedMax, long CompletedMax, long Retried) Deliveries(long activityId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT COUNT(*), COALESCE(SUM(state = 2), 0), COALESCE(SUM(state = 3), 0),
                   COALESCE(MIN(created_at), 0), COALESCE(MAX(created_at), 0), COALESCE(MAX(completed_at), 0), COALESCE(SUM(attempts > 1), 0)
            FROM delivery_jobs WHERE activity_id = $a
            """;
        cmd.Parameters.AddWithValue("$a", activityId);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
    }

    /// <summary>completed_at of every job of one activity, ascending (unix ms).</summary>
    public List<long> CompletionTimes(long activityId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT completed_at FROM delivery_jobs WHERE activity_id = $a AND completed_at IS NOT NULL ORDER BY completed_at";
        cmd.Parameters.AddWithValue("$a", activityId);
        using var reader = cmd.ExecuteReader();
        var list = new List<long>();
        while (reader.Read()) list.Add(reader.GetInt64(0));
        return list;
    }

    public long FileBytes(string dataPath) =>
        new[] { "fedilearn.db", "fedilearn.db-wal" }.Select(f => Path.Combine(dataPath, f)).Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private T Scalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return (T)Convert.ChangeType(cmd.ExecuteScalar() ?? throw new InvalidOperationException($"no row: {sql}"), typeof(T), CultureInfo.InvariantCulture);
    }

    public void Dispose() => _connection.Dispose();
}
