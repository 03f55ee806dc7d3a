using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// The delivery worker's single recorder writes outcomes in batches, set-based: the 2xx of a batch one statement per
/// status, everything else one statement with each row's values, and the hosts' liveness one statement each for those
/// that answered and those that failed. Here one activity goes to real HTTP servers on 127.0.0.1 at once, each answering
/// differently (one stopped before), so that the outcomes of many hosts arrive together and share batches; every job and
/// every host must end recorded as its own answer says.
/// </summary>
public class DeliveryRecorderTests : IAsyncLifetime
{
    private const int JobsPerServer = 24;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromHours(2);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["FediLearn:Federation:AllowPrivateAddresses"] = "true",
        ["FediLearn:Delivery:PollInterval"] = "00:00:00.100",
        // Retries fall far beyond the test: each job is sent exactly once, and its retry time can be checked.
        ["FediLearn:Delivery:RetryBaseDelay"] = "00:10:00",
        ["FediLearn:Delivery:MaxRetryDelay"] = "06:00:00",
    };

    private TestNode? _node;
    private readonly List<InboxServer> _servers = [];

    protected TestNode Node => _node!;

    /// <summary>DeliveryRecorderTestsOnPostgres runs the same case with the node's data on PostgreSQL.</summary>
    protected virtual TestProvider Provider => TestProvider.Sqlite;

    public async Task InitializeAsync()
    {
        if (Provider == TestProvider.Postgres && TestPostgres.ServerConnectionString is null) return; // reported as skipped
        _node = await TestNode.StartAsync(Settings, Provider);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
        if (_node is not null) await _node.DisposeAsync();
    }

    [DbFact]
    public async Task Outcomes_of_many_hosts_recorded_together_each_end_as_their_answer_says()
    {
        var accepted = await ServerAsync(202);
        var ok = await ServerAsync(200);
        var gone = await ServerAsync(410);
        var failing = await ServerAsync(503);
        var limited = await ServerAsync(429, retryAfter: RetryAfter);
        var dead = await ServerAsync(202);
        var lastTry = await ServerAsync(503); // its jobs are at their last attempt
        var failingLong = await ServerAsync(503); // failing for longer than DeadHostAfter: this failure marks it dead
        var refusing = await ServerAsync(202); // stopped below: connections refused
        var weekAgo = DateTimeOffset.UtcNow.AddDays(-8).ToUnixTimeMilliseconds();
        await Node.WithDbAsync(db =>
        {
            db.RemoteHosts.Add(new RemoteHost { Host = dead.Host, Dead = true, FailingSince = 1, LastFailureAt = 2 });
            db.RemoteHosts.Add(new RemoteHost { Host = failingLong.Host, Dead = false, FailingSince = weekAgo, LastFailureAt = weekAgo });
            return db.SaveChangesAsync();
        });
        var activityId = await EnqueueAsync(_servers);
        var maxAttempts = Node.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FediLearn.Core.Options.FediLearnOptions>>().Value.Delivery.MaxAttempts;
        await Node.WithDbAsync(db => db.DeliveryJobs.Where(j => j.Host == lastTry.Host).ExecuteUpdateAsync(u => u.SetProperty(j => j.Attempts, maxAttempts - 1)));
        await refusing.DisposeAsync();
        _servers.Remove(refusing);

        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var worker = ActivatorUtilities.CreateInstance<DeliveryWorker>(Node.Services);
        await worker.StartAsync(CancellationToken.None);
        List<DeliveryJob> jobs;
        try
        {
            jobs = await SettledAsync(activityId, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
        var ended = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Each live server got each of its inboxes exactly once; the dead host got nothing.
        foreach (var server in _servers.Where(s => s != dead))
            Assert.All(server.Inboxes, inbox => Assert.Equal(1, server.Hits(inbox)));
        Assert.Equal(0, dead.TotalHits);

        var byHost = jobs.GroupBy(j => j.Host).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(byHost.Values, list => Assert.Equal(JobsPerServer, list.Count));
        Assert.Equal(_servers.Count + 1, byHost.Count);
        Assert.All(jobs, j => Assert.Null(j.LockedUntil));

        foreach (var (server, status) in new[] { (accepted, 202), (ok, 200) })
            Assert.All(byHost[server.Host], j =>
            {
                Assert.Equal((DeliveryState.Succeeded, status, 1), (j.State, j.LastStatus, j.Attempts));
                Assert.Null(j.LastError);
                Assert.InRange(j.CompletedAt!.Value, started, ended);
            });
        Assert.All(byHost[gone.Host], j =>
        {
            Assert.Equal((DeliveryState.Failed, 410, 1), (j.State, j.LastStatus, j.Attempts));
            Assert.StartsWith("HTTP 410", j.LastError);
            Assert.InRange(j.CompletedAt!.Value, started, ended);
        });
        Assert.All(byHost[failing.Host], j =>
        {
            Assert.Equal((DeliveryState.Pending, 503, 1), (j.State, j.LastStatus, j.Attempts));
            Assert.Null(j.CompletedAt);
            // The first retry: one RetryBaseDelay, ±25 %.
            Assert.InRange(j.NextAttemptAt, started + 450_000, ended + 750_000);
        });
        Assert.All(byHost[limited.Host], j =>
        {
            Assert.Equal((DeliveryState.Pending, 429, 1), (j.State, j.LastStatus, j.Attempts));
            // Retry-After is longer than the backoff, so it decides.
            Assert.InRange(j.NextAttemptAt, started + (long)RetryAfter.TotalMilliseconds, ended + (long)RetryAfter.TotalMilliseconds);
        });
        Assert.All(byHost[lastTry.Host], j =>
        {
            Assert.Equal((DeliveryState.Failed, 503, maxAttempts), (j.State, j.LastStatus, j.Attempts));
            Assert.StartsWith("HTTP 503", j.LastError);
            Assert.InRange(j.CompletedAt!.Value, started, ended);
        });
        Assert.All(byHost[failingLong.Host], j => Assert.Equal((DeliveryState.Pending, 503, 1), (j.State, j.LastStatus, j.Attempts)));
        Assert.All(byHost[refusing.Host], j =>
        {
            // Refused, or not tried because its host had just refused (UnreachableHosts): a failed attempt either way.
            Assert.Equal((DeliveryState.Pending, (int?)null, 1), (j.State, j.LastStatus, j.Attempts));
            Assert.NotNull(j.LastError);
            Assert.Null(j.CompletedAt);
            Assert.InRange(j.NextAttemptAt, started + 450_000, ended + 750_000);
        });
        Assert.All(byHost[dead.Host], j =>
        {
            Assert.Equal(DeliveryState.Failed, j.State);
            Assert.Null(j.LastStatus);
            Assert.Contains("dead", j.LastError);
        });

        var hosts = await Node.WithDbAsync(db => db.RemoteHosts.AsNoTracking().ToDictionaryAsync(h => h.Host));
        // Any answer below 500 means the host is alive, whichever path recorded it.
        foreach (var server in new[] { accepted, ok, gone, limited })
        {
            var host = hosts[server.Host];
            Assert.False(host.Dead);
            Assert.Null(host.FailingSince);
            Assert.InRange(host.LastSuccessAt!.Value, started, ended);
        }
        Assert.False(hosts[failing.Host].Dead);
        Assert.InRange(hosts[failing.Host].FailingSince!.Value, started, ended);
        Assert.InRange(hosts[failing.Host].LastFailureAt!.Value, started, ended);
        Assert.Null(hosts[failing.Host].LastSuccessAt);
        foreach (var server in new[] { lastTry, refusing })
        {
            Assert.False(hosts[server.Host].Dead);
            Assert.InRange(hosts[server.Host].FailingSince!.Value, started, ended);
        }
        Assert.True(hosts[failingLong.Host].Dead);
        Assert.Equal(weekAgo, hosts[failingLong.Host].FailingSince);
        Assert.InRange(hosts[failingLong.Host].LastFailureAt!.Value, started, ended);
        // A dead host stays as it was: nothing was sent to it.
        Assert.Equal((true, 1L, 2L, (long?)null), (hosts[dead.Host].Dead, hosts[dead.Host].FailingSince, hosts[dead.Host].LastFailureAt, hosts[dead.Host].LastSuccessAt));
    }

    private async Task<InboxServer> ServerAsync(int status, TimeSpan? retryAfter = null)
    {
        var server = await InboxServer.StartAsync(status, retryAfter, JobsPerServer);
        _servers.Add(server);
        return server;
    }

    /// <summary>One Create of a new group, enqueued to every inbox of every server, the servers' jobs interleaved.</summary>
    private protected async Task<long> EnqueueAsync(IReadOnlyList<InboxServer> servers, int perServer = JobsPerServer)
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "recorder_group");
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var urls = scope.ServiceProvider.GetRequiredService<ActorUrls>();
        var queue = scope.ServiceProvider.GetRequiredService<DeliveryQueue>();
        db.Attach(group);
        var create = new JObject
        {
            ["type"] = "Create",
            ["actor"] = urls.Actor(group),
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
            ["object"] = new JObject { ["type"] = "Note", ["attributedTo"] = urls.Actor(group), ["content"] = "Session notes are up" },
        };
        var activity = queue.CreateActivity(db, group, create, isPublic: true);
        var inboxes = Enumerable.Range(0, perServer).SelectMany(i => servers.Select(s => s.Origin + s.Inboxes[i]));
        queue.Enqueue(db, activity, inboxes);
        await db.SaveChangesAsync();
        return activity.Id;
    }

    /// <summary>The activity's jobs once none is claimed and each has an answer or an error recorded (or has ended).</summary>
    private protected async Task<List<DeliveryJob>> SettledAsync(long activityId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Where(j => j.ActivityId == activityId).ToListAsync());
            if (jobs.All(j => j.LockedUntil is null && (j.State is DeliveryState.Succeeded or DeliveryState.Failed || j.LastStatus is not null || j.LastError is not null)))
                return jobs;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not settled in {timeout}: " + string.Join(", ", jobs.GroupBy(j => (j.Host, j.State, j.LastStatus)).Select(g => $"{g.Key} ×{g.Count()}")));
            await Task.Delay(100);
        }
    }

    /// <summary>A server on 127.0.0.1:0 that answers every POST with one status and counts requests per path.</summary>
    private protected sealed class InboxServer(int status, TimeSpan? retryAfter) : LoopbackServer
    {
        public List<string> Inboxes { get; } = [];

        public static async Task<InboxServer> StartAsync(int status, TimeSpan? retryAfter, int inboxes)
        {
            var server = new InboxServer(status, retryAfter);
            server.Inboxes.AddRange(Enumerable.Range(1, inboxes).Select(i => $"/users/u{i}/inbox"));
            await server.ListenAsync();
            return server;
        }

        protected override async Task HandleAsync(HttpContext context)
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = status;
            if (retryAfter is { } delay) context.Response.Headers.RetryAfter = ((int)delay.TotalSeconds).ToString();
        }
    }
}

public sealed class DeliveryRecorderTestsOnPostgres : DeliveryRecorderTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;

    /// <summary>
    /// While the recorder cannot write (here: another transaction holds the host's remote_hosts row, which recording a
    /// success updates; claims never touch it), the senders stop once the jobs the process holds reach their bound
    /// (DeliveryWorker.MaxHeld), instead of sending the whole queue with nothing recorded: every one of those jobs is still claimed, and would be
    /// sent again after a crash or once its lease ran out. When the row is free again, every job is recorded, each sent once.
    /// </summary>
    [DbFact]
    public async Task Sending_stops_while_the_recorder_cannot_write_and_goes_on_when_it_can()
    {
        const int jobs = 600;
        await using var server = await InboxServer.StartAsync(202, null, jobs);
        var concurrency = Node.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FediLearn.Core.Options.FediLearnOptions>>().Value.Delivery.Concurrency;
        await Node.WithDbAsync(db =>
        {
            db.RemoteHosts.Add(new RemoteHost { Host = server.Host });
            return db.SaveChangesAsync();
        });
        var activityId = await EnqueueAsync([server], jobs);

        await using var lockScope = Node.Scope();
        var locker = lockScope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var held = await locker.Database.BeginTransactionAsync();
        await locker.Database.ExecuteSqlRawAsync("SELECT host FROM remote_hosts WHERE host = {0} FOR UPDATE", server.Host);

        var worker = ActivatorUtilities.CreateInstance<DeliveryWorker>(Node.Services);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // Sent while nothing could be recorded: at most the jobs one process may hold (the first batch recorded
            // before the row lock stopped the recorder is among them).
            var sent = await SteadyAsync(() => server.TotalHits);
            Assert.InRange(sent, 1, DeliveryWorker.HeldPerSendingSlot * concurrency);
            Assert.True(sent < jobs, $"all {jobs} jobs were sent while none could be recorded");
            await held.RollbackAsync();

            var settled = await SettledAsync(activityId, TimeSpan.FromSeconds(60));
            Assert.All(settled, j => Assert.Equal((DeliveryState.Succeeded, 1), (j.State, j.Attempts)));
            Assert.All(server.Inboxes, inbox => Assert.Equal(1, server.Hits(inbox)));
        }
        finally
        {
            await held.DisposeAsync(); // first: a recorder still waiting for the row would hold up the stop
            await worker.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The value once it has not changed for a second (at most 20 s).</summary>
    private static async Task<int> SteadyAsync(Func<int> read)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var last = read();
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var now = read();
            if (now == last && now > 0) return now;
            last = now;
        }
        return last;
    }
}
