using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>What the admin pages do through Core: abandon, retry and revive deliveries, block domains, resolve reports
/// (each with the refusal that must hold).</summary>
public class AdminServiceTests : NodeTest
{
    private const string Inbox = "https://mastodon.example/inbox";

    [DbFact]
    public async Task An_abandoned_pending_delivery_is_never_claimed_and_a_failed_one_can_be_abandoned_too()
    {
        var (pending, failed) = (await EnqueueAsync(DeliveryState.Pending), await EnqueueAsync(DeliveryState.Failed));

        await Admin(a => a.AbandonAsync(pending, default));
        await Admin(a => a.AbandonAsync(failed, default));

        Assert.Equal(DeliveryState.Abandoned, await StateAsync(pending));
        Assert.Equal(DeliveryState.Abandoned, await StateAsync(failed));
        var claimed = await Node.WithDbAsync(db => QueueClaims.ClaimAsync(db, "delivery_jobs", 10,
            DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeMilliseconds(), default));
        Assert.Empty(claimed);
    }

    [DbFact]
    public async Task Abandoning_a_succeeded_running_or_unknown_delivery_is_refused_and_changes_nothing()
    {
        var succeeded = await EnqueueAsync(DeliveryState.Succeeded);
        var running = await EnqueueAsync(DeliveryState.Running);

        var e = await Assert.ThrowsAsync<FediLearnException>(() => Admin(a => a.AbandonAsync(succeeded, default)));
        Assert.Contains("already succeeded", e.Message);
        Assert.Contains("being sent", (await Assert.ThrowsAsync<FediLearnException>(() => Admin(a => a.AbandonAsync(running, default)))).Message);
        Assert.Contains("no delivery with id 999999", (await Assert.ThrowsAsync<FediLearnException>(() => Admin(a => a.AbandonAsync(999_999, default)))).Message);
        Assert.Equal(DeliveryState.Succeeded, await StateAsync(succeeded));
        Assert.Equal(DeliveryState.Running, await StateAsync(running));
    }

    [DbFact]
    public async Task Retry_all_takes_the_failed_deliveries_but_leaves_abandoned_ones_abandoned()
    {
        var failed = await EnqueueAsync(DeliveryState.Failed);
        var abandoned = await EnqueueAsync(DeliveryState.Abandoned);

        Assert.Equal(1, await Admin(a => a.RetryAsync(null, default)));

        Assert.Equal(DeliveryState.Pending, await StateAsync(failed));
        Assert.Equal(DeliveryState.Abandoned, await StateAsync(abandoned));
        Assert.Equal(1, await Admin(a => a.RetryAsync(abandoned, default))); // by id, an admin may still send it
        Assert.Equal(DeliveryState.Pending, await StateAsync(abandoned));
    }

    [DbFact]
    public async Task Reviving_a_dead_host_clears_it_and_makes_its_queued_deliveries_due_now_but_a_healthy_host_is_refused()
    {
        var job = await EnqueueAsync(DeliveryState.Pending, nextAttemptAt: DateTimeOffset.UtcNow.AddHours(5).ToUnixTimeMilliseconds());
        await Node.WithDbAsync(async db =>
        {
            db.RemoteHosts.AddRange(
                new RemoteHost { Host = "mastodon.example", Dead = true, FailingSince = 1, LastFailureAt = 2 },
                new RemoteHost { Host = "fine.example", LastSuccessAt = 3 });
            return await db.SaveChangesAsync();
        });
        var troubled = await Admin(a => a.TroubledHostsAsync(10, default));
        var dead = Assert.Single(troubled);
        Assert.Equal(("mastodon.example", true, 1), (dead.Host, dead.Dead, dead.Waiting));

        await Admin(async a => { await a.ReviveHostAsync("mastodon.example", default); return 0; });

        var host = await Node.WithDbAsync(db => db.RemoteHosts.AsNoTracking().SingleAsync(h => h.Host == "mastodon.example"));
        Assert.False(host.Dead);
        Assert.Null(host.FailingSince);
        var next = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Where(j => j.Id == job).Select(j => j.NextAttemptAt).SingleAsync());
        Assert.True(next <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Empty(await Admin(a => a.TroubledHostsAsync(10, default)));
        var e = await Assert.ThrowsAsync<FediLearnException>(() => Admin(async a => { await a.ReviveHostAsync("fine.example", default); return 0; }));
        Assert.Contains("neither dead nor failing", e.Message);
        await Assert.ThrowsAsync<FediLearnException>(() => Admin(async a => { await a.ReviveHostAsync("unknown.example", default); return 0; }));
    }

    [DbFact]
    public async Task Blocking_a_domain_covers_its_subdomains_until_it_is_unblocked()
    {
        await using (var scope = Node.Scope())
        {
            var blocks = scope.ServiceProvider.GetRequiredService<DomainBlockService>();
            Assert.Equal("spam.example", await blocks.BlockAsync(" Spam.Example. ", "  floods  ", default));
            var row = Assert.Single(await blocks.ListAsync(default));
            Assert.Equal(("spam.example", "floods"), (row.Domain, row.Reason));
        }
        Assert.True(await Node.WithDbAsync(db => SignatureAuthenticator.IsBlockedAsync(db, "social.spam.example", default)));
        Assert.False(await Node.WithDbAsync(db => SignatureAuthenticator.IsBlockedAsync(db, "notspam.example", default)));

        await using (var scope = Node.Scope())
        {
            var blocks = scope.ServiceProvider.GetRequiredService<DomainBlockService>();
            Assert.Equal("spam.example", await blocks.UnblockAsync("SPAM.example", default));
            Assert.Empty(await blocks.ListAsync(default));
        }
        Assert.False(await Node.WithDbAsync(db => SignatureAuthenticator.IsBlockedAsync(db, "social.spam.example", default)));
    }

    [DbFact]
    public async Task Blocking_an_invalid_or_already_blocked_domain_and_unblocking_an_unblocked_one_are_refused()
    {
        await using var scope = Node.Scope();
        var blocks = scope.ServiceProvider.GetRequiredService<DomainBlockService>();
        await blocks.BlockAsync("spam.example", null, default);

        Assert.Equal("spam.example is already blocked", (await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync("SPAM.example", null, default))).Message);
        foreach (var bad in new[] { "", "https://spam.example/", "ana@spam.example", "spam example" })
            Assert.Contains("is not a domain name", (await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync(bad, null, default))).Message);
        Assert.Equal("other.example is not blocked", (await Assert.ThrowsAsync<FediLearnException>(() => blocks.UnblockAsync("other.example", default))).Message);
        Assert.Single(await blocks.ListAsync(default));
    }

    [DbFact]
    public async Task A_facilitator_resolves_their_groups_report_with_a_log_entry_but_not_another_groups()
    {
        var rust = await Node.AddActorAsync(ActorKind.Group, "rust");
        var go = await Node.AddActorAsync(ActorKind.Group, "go");
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var ours = await AddReportAsync(rust.Id, "ours");
        var theirs = await AddReportAsync(go.Id, "theirs");

        await using (var scope = Node.Scope())
        {
            var moderation = scope.ServiceProvider.GetRequiredService<ModerationService>();
            Assert.False(await moderation.ResolveReportAsync(theirs, rust, ana, default));
            Assert.False(await moderation.ResolveReportAsync(999_999, rust, ana, default));
            Assert.True(await moderation.ResolveReportAsync(ours, rust, ana, default));
            var again = await Assert.ThrowsAsync<FediLearnException>(() => moderation.ResolveReportAsync(ours, rust, ana, default));
            Assert.Contains("already resolved", again.Message);
            var listed = Assert.Single(await moderation.ReportViewsAsync(rust, 100, default));
            Assert.NotNull(listed.ResolvedAt);
        }
        var reports = await Node.WithDbAsync(db => db.Reports.AsNoTracking().ToDictionaryAsync(r => r.Id));
        Assert.NotNull(reports[ours].ResolvedAt);
        Assert.Null(reports[theirs].ResolvedAt);
        var log = Assert.Single(await Node.WithDbAsync(db => db.ModerationLog.AsNoTracking().Where(e => e.Action == "resolve-report").ToListAsync()));
        Assert.Equal((rust.Id, ana.Id, "https://lemmy.example/flag/ours"), (log.GroupId, log.ModeratorId, log.Target));
    }

    [DbFact]
    public async Task An_admin_sees_every_report_open_first_and_resolves_one_sent_to_the_instance_actor()
    {
        var rust = await Node.AddActorAsync(ActorKind.Group, "rust");
        var resolved = await AddReportAsync(rust.Id, "old", resolved: true);
        var toGroup = await AddReportAsync(rust.Id, "group");
        var toNode = await AddReportAsync(null, "node");

        await using var scope = Node.Scope();
        var moderation = scope.ServiceProvider.GetRequiredService<ModerationService>();
        var all = await moderation.ReportViewsAsync(null, 100, default);
        Assert.Equal([toNode, toGroup, resolved], all.Select(r => r.Id));
        Assert.Equal(("rust", "rust"), (all[1].GroupName, all[1].GroupTitle));
        Assert.Null(all[0].GroupName);
        Assert.Equal(["https://mastodon.example/users/mia"], all[0].Objects);

        Assert.True(await moderation.ResolveReportAsync(toNode, null, null, default));
        var log = Assert.Single(await Node.WithDbAsync(db => db.ModerationLog.AsNoTracking().ToListAsync()));
        Assert.Equal(("resolve-report", (long?)null, (long?)null), (log.Action, log.GroupId, log.ModeratorId));
    }

    private async Task<T> Admin<T>(Func<DeliveryAdminService, Task<T>> work)
    {
        await using var scope = Node.Scope();
        return await work(scope.ServiceProvider.GetRequiredService<DeliveryAdminService>());
    }

    private Task Admin(Func<DeliveryAdminService, Task> work) => Admin(async a => { await work(a); return 0; });

    private Task<DeliveryState> StateAsync(long id) =>
        Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Where(j => j.Id == id).Select(j => j.State).SingleAsync());

    private async Task<long> EnqueueAsync(DeliveryState state, long? nextAttemptAt = null)
    {
        var group = await Node.WithDbAsync(db => db.LocalActors.AsNoTracking().FirstOrDefaultAsync(a => a.Name == "sender"))
            ?? await Node.AddActorAsync(ActorKind.Group, "sender");
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var queue = scope.ServiceProvider.GetRequiredService<DeliveryQueue>();
        var activity = queue.CreateActivity(db, group, new JObject { ["type"] = "Create", ["actor"] = "https://coop.example/g/sender" }, isPublic: true);
        queue.Enqueue(db, activity, [Inbox]);
        await db.SaveChangesAsync();
        var job = await db.DeliveryJobs.OrderByDescending(j => j.Id).FirstAsync();
        job.State = state;
        if (nextAttemptAt is { } next) job.NextAttemptAt = next;
        if (state == DeliveryState.Running) job.LockedUntil = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await db.SaveChangesAsync();
        return job.Id;
    }

    private async Task<long> AddReportAsync(long? groupId, string key, bool resolved = false)
    {
        var report = new Report
        {
            GroupId = groupId, ReporterUri = "https://lemmy.example/u/leo", ObjectsJson = "[\"https://mastodon.example/users/mia\"]",
            Content = $"about {key}", ActivityId = $"https://lemmy.example/flag/{key}", CreatedAt = DateTime.UtcNow,
            ResolvedAt = resolved ? DateTime.UtcNow : null,
        };
        await Node.WithDbAsync(async db =>
        {
            db.Reports.Add(report);
            return await db.SaveChangesAsync();
        });
        return report.Id;
    }
}
