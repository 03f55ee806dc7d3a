using System.Diagnostics;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;
using Npgsql;
using Xunit.Abstractions;
using static FediLearn.Web.Tests.TestHelpers;
using Database = FediLearn.Web.Tests.PostgresNodeTests.Database;

namespace FediLearn.Web.Tests;

/// <summary>
/// Issue 7 item 2: two or more app processes on one PostgreSQL database share the delivery and inbox queues, and
/// scheduled publishing runs once, not once per process. A process killed in the middle of a fan-out loses nothing:
/// its claimed jobs are reclaimed by the survivor when their lease runs out.
/// </summary>
public sealed class MultiNodeTests(ITestOutputHelper output)
{
    private const int Followers = 1000;
    private const int ConcurrencyA = 4;
    private const string LeaseA = "00:00:10"; // the smallest lease the options allow: the survivor reclaims A's jobs after 10 s

    [PostgresFact]
    public async Task Killing_one_of_two_processes_mid_fan_out_delivers_to_each_of_1000_inboxes_with_one_job_each()
    {
        await using var database = await Database.CreateAsync();
        await using var sink = await CountingSink.StartAsync(ports: 4, delay: TimeSpan.FromMilliseconds(40));
        (string, string)[] common =
        [
            ("FediLearn__Delivery__Concurrency", ConcurrencyA.ToString()),
            ("FediLearn__Delivery__PerHostConcurrency", "0"),
            ("FediLearn__Delivery__PollInterval", "00:00:00.200"),
        ];
        // The two leases differ so that, right after the kill, A's claims (locked for 10 s) can be told from B's (60 s).
        await using var a = await PublishingNode.StartAsync("kill-a", database.Settings([.. common, ("FediLearn__Delivery__Lease", LeaseA)]));
        await using var b = await NodeProcess.StartAsync("kill-b", settings: database.Settings(
            [.. common, ("FediLearn__Delivery__Lease", "00:01:00"), ("FediLearn__PublicUrl", a.Node.Origin)]));
        var groupId = await database.ScalarAsync("SELECT id FROM local_actors WHERE name = 'rust'");
        await SeedFollowersAsync(database, groupId, sink.Origins, Followers);

        var clock = Stopwatch.StartNew();
        var post = await a.PublishAsync("posts", new { content = "Hello, a thousand learners" });
        await EventuallyAsync(() => Task.FromResult(sink.DistinctInboxes >= 150), "the first 150 deliveries", a.Node, 60);
        await a.Node.KillAsync();
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var beforeKill = sink.DistinctInboxes;
        var leasedByA = (await ListAsync(database, $"SELECT inbox FROM delivery_jobs WHERE state = 1 AND locked_until < {killedAt + 30_000}")).ToHashSet();
        Assert.True(beforeKill < Followers, $"the kill came after the fan-out had finished ({beforeKill} inboxes): slow the sink down");

        await EventuallyAsync(() => Task.FromResult(sink.DistinctInboxes == Followers), $"all {Followers} inboxes ({beforeKill} reached when A was killed)", b, 90);
        var finished = clock.Elapsed;
        var activityId = await database.ScalarAsync("SELECT id FROM outbound_activities WHERE type = 'Create'");
        await EventuallyAsync(async () => await database.ScalarAsync($"SELECT count(*) FROM delivery_jobs WHERE activity_id = {activityId} AND state = 2") == Followers,
            "every delivery recorded as succeeded", b, 30);
        await Task.Delay(2000); // a second send of a finished job would arrive by now

        // No duplicate job: the fan-out was expanded once, into one job per inbox, and each job succeeded.
        Assert.Equal(1, await database.ScalarAsync($"SELECT count(*) FROM fanout_jobs WHERE activity_id = {activityId} AND state = 2 AND attempts = 1"));
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM fanout_jobs"));
        Assert.Equal(1, CountOf(a.Node.Output + b.Output, "Fan-out of activity"));
        Assert.Equal(Followers, await database.ScalarAsync($"SELECT count(*) FROM delivery_jobs WHERE activity_id = {activityId}"));
        Assert.Equal(Followers, await database.ScalarAsync($"SELECT count(DISTINCT inbox) FROM delivery_jobs WHERE activity_id = {activityId}"));
        Assert.Equal(Followers, await database.ScalarAsync($"SELECT count(*) FROM delivery_jobs WHERE activity_id = {activityId} AND state = 2"));
        // Only the jobs A held when it died were claimed a second time (by B, after A's lease ran out).
        Assert.Equal(leasedByA.Count, await database.ScalarAsync($"SELECT count(*) FROM delivery_jobs WHERE activity_id = {activityId} AND attempts > 1"));

        // On the wire: every inbox got the Create, signed by the group; an inbox got it twice only if A had its job in
        // hand when it died (sent, but the success not yet recorded) — at least once, never a duplicate job.
        var received = sink.Snapshot();
        var pem = await ListAsync(database, $"SELECT rsa_public_key_pem FROM local_actors WHERE id = {groupId}");
        using var key = VerificationKey.FromPem(pem.Single());
        foreach (var (inbox, requests) in received)
        foreach (var r in requests)
        {
            Assert.Equal("Create", r.Activity.Value<string>("type"));
            Assert.Equal(post.Value<string>("id"), r.Activity["object"]!.Value<string>("id"));
            Assert.True(r.Headers.ContainsKey("Signature"), $"unsigned POST to {inbox}");
            var check = HttpSignatureVerifier.Inspect(new SignedRequest("POST", new Uri(inbox), r.Headers, r.Body), DateTimeOffset.UtcNow).Check;
            Assert.True(check is not null && check.Verify(key), $"bad signature on the POST to {inbox}");
        }
        var duplicates = received.Where(p => p.Value.Length > 1).ToList();
        output.WriteLine($"inboxes reached before the kill: {beforeKill}; jobs A held at the kill: {leasedByA.Count}; "
                         + $"inboxes hit twice: {duplicates.Count}; POSTs in all: {sink.Total}; all {Followers} reached after {finished.TotalSeconds:F1} s");
        Assert.All(duplicates, d =>
        {
            Assert.Contains(d.Key, leasedByA);
            Assert.Equal(2, d.Value.Length);
            Assert.True(d.Value[0].At.ToUnixTimeMilliseconds() <= killedAt, $"{d.Key}: first POST after the kill");
        });
        // At most what one process may hold (DeliveryWorker.MaxHeld): its slots, its side lane and the outcomes its recorder
        // has not yet written. On a loaded machine the recorder fell 50 or more behind before that bound existed.
        Assert.True(leasedByA.Count <= FediLearn.Core.Queues.DeliveryWorker.HeldPerSendingSlot * ConcurrencyA, $"A held {leasedByA.Count} jobs, more than its claim window");
        Assert.Equal(Followers + duplicates.Count, sink.Total);
    }

    [PostgresFact]
    public async Task A_scheduled_post_is_published_once_when_two_processes_watch_the_schedule()
    {
        await using var database = await Database.CreateAsync();
        var fast = ("FediLearn__Delivery__ScheduleInterval", "00:00:01");
        await using var a = await PublishingNode.StartAsync("sched-a", database.Settings(fast));
        await using var b = await NodeProcess.StartAsync("sched-b", settings: database.Settings(fast, ("FediLearn__PublicUrl", a.Node.Origin)));
        await using var remote = await FakeRemoteServer.StartAsync();
        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));

        var at = DateTimeOffset.UtcNow.AddSeconds(4);
        var post = await a.PublishAsync("posts", new { content = "Scheduled for both", publishAt = at.ToString("yyyy-MM-ddTHH:mm:ssZ") });
        Assert.Null(post["publishedAt"]);
        var create = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        await Task.Delay(4000); // both schedulers have looked at least three more times

        Assert.Equal(post.Value<string>("id"), create.Activity["object"]!.Value<string>("id"));
        Assert.Single(remote.Received, r => r.Activity.Value<string>("type") == "Create");
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM outbound_activities WHERE type = 'Create'"));
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM fanout_jobs f JOIN outbound_activities o ON o.id = f.activity_id WHERE o.type = 'Create'"));
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM delivery_jobs j JOIN outbound_activities o ON o.id = j.activity_id WHERE o.type = 'Create'"));
        Assert.Equal(1, CountOf(a.Node.Output + b.Output, "Published 1 scheduled item(s)"));
    }

    [PostgresFact]
    public async Task A_login_cookie_issued_by_one_process_is_accepted_by_the_other()
    {
        await using var database = await Database.CreateAsync();
        // Each process its own HOME: without the key ring in the database each would keep its own keys there.
        var homeA = TempFolder();
        var homeB = TempFolder();
        await using var a = await PublishingNode.StartAsync("login-a", database.Settings(("HOME", homeA)));
        await using var b = await NodeProcess.StartAsync("login-b", settings: database.Settings(("HOME", homeB), ("FediLearn__PublicUrl", a.Node.Origin)));

        var cookie = await LoginAsync(a.Node, "ana", "a-long-password-1");
        Assert.Equal(200, await WorkspaceStatusAsync(a.Node, cookie));
        Assert.Equal(200, await WorkspaceStatusAsync(b, cookie));
        Assert.Equal(302, await WorkspaceStatusAsync(b, null)); // the page does need a sign-in
        Assert.Equal(302, await WorkspaceStatusAsync(b, cookie[..^4] + "AAAA")); // and a damaged cookie is refused
        Assert.True(await database.ScalarAsync("SELECT count(*) FROM data_protection_keys") >= 1);
        Assert.False(Directory.Exists(Path.Combine(homeA, ".aspnet", "DataProtection-Keys")));
    }

    [Fact]
    public async Task A_login_cookie_stays_valid_when_the_node_restarts_on_another_machine()
    {
        await using var a = await PublishingNode.StartAsync("login-move", new Dictionary<string, string> { ["HOME"] = TempFolder() });
        var cookie = await LoginAsync(a.Node, "ana", "a-long-password-1");
        Assert.Equal(200, await WorkspaceStatusAsync(a.Node, cookie));

        a.Node.SetEnvironment("HOME", TempFolder()); // a new machine or container: an empty home folder
        await a.Node.RestartAsync();
        Assert.Equal(200, await WorkspaceStatusAsync(a.Node, cookie));
        Assert.Equal(302, await WorkspaceStatusAsync(a.Node, cookie[..^4] + "AAAA"));
    }

    [Fact]
    public async Task Uploads_go_to_the_configured_media_folder()
    {
        var shared = TempFolder();
        await using var a = await PublishingNode.StartAsync("media", new Dictionary<string, string> { ["FediLearn__Media__Path"] = shared });
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "dot.png");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{a.Node.Origin}/api/media") { Content = form };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", a.Token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is 200 or 201, text);
        var uploaded = JObject.Parse(text);

        Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(shared, uploaded.Value<string>("id")!)));
        Assert.False(Directory.Exists(Path.Combine(a.Node.DataPath, "media")));
        Assert.Equal(png, await Http.GetByteArrayAsync(uploaded.Value<string>("url")));
    }

    /// <summary>Accepted followers of the group, each its own remote actor and inbox, spread over the sink's ports.</summary>
    private static async Task SeedFollowersAsync(Database database, long groupId, IReadOnlyList<string> origins, int count)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO remote_actors (uri, type, host, username, display_name, inbox, shared_inbox, key_id, public_key_pem, fetched_at)
            SELECT o || '/users/' || i, 'Person', substr(o, 8), 'u' || i, 'Learner ' || i, o || '/users/' || i || '/inbox', NULL,
                   o || '/users/' || i || '#main-key', NULL, now()
            FROM (SELECT i, (@origins)[1 + i % cardinality(@origins)] AS o FROM generate_series(0, @count - 1) AS i) s;
            INSERT INTO followers (local_actor_id, remote_actor_id, actor_uri, follow_activity_id, follow_json, state, created_at, accepted_at)
            SELECT @group, r.id, r.uri, r.uri || '#follow', '{}', 1, now(), now() FROM remote_actors r WHERE r.username LIKE 'u%';
            """, connection);
        command.Parameters.AddWithValue("origins", origins.ToArray());
        command.Parameters.AddWithValue("count", count);
        command.Parameters.AddWithValue("group", groupId);
        await command.ExecuteNonQueryAsync();
        Assert.Equal(count, await database.ScalarAsync($"SELECT count(*) FROM followers WHERE local_actor_id = {groupId} AND state = 1"));
    }

    private static async Task<List<string>> ListAsync(Database database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string TempFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "fedilearn-tests", $"home-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Signs in through the real login form (antiforgery token included) and returns the session cookie, "name=value".</summary>
    private static async Task<string> LoginAsync(NodeProcess node, string login, string password)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        using var page = await client.GetAsync($"{node.Origin}/login");
        var html = await page.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "no antiforgery token on /login");
        var csrf = CookieFrom(page, "fedilearn_csrf");

        using var post = new HttpRequestMessage(HttpMethod.Post, $"{node.Origin}/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = token }),
        };
        post.Headers.Add("Cookie", csrf);
        using var response = await client.SendAsync(post);
        Assert.True((int)response.StatusCode == 302, $"login answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return CookieFrom(response, "fedilearn_session");
    }

    private static string CookieFrom(HttpResponseMessage response, string name)
    {
        var header = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith(name + "=", StringComparison.Ordinal)) : null;
        Assert.True(header is not null, $"no {name} cookie set");
        return header.Split(';')[0];
    }

    private static async Task<int> WorkspaceStatusAsync(NodeProcess node, string? cookie)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{node.Origin}/workspace");
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }
}
