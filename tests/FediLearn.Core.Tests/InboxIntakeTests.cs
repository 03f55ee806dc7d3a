using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Activities received at the same time are stored by one writer in one transaction (group commit, issue 7): each
/// request is answered only once its activity is committed, a replay is still told apart, and what is stored is what
/// one transaction per request stored.
/// </summary>
public class InboxIntakeTests : NodeTest
{
    [DbFact]
    public async Task Activities_received_together_are_committed_together_each_answered_once_stored()
    {
        const int count = 40;
        var activities = Enumerable.Range(1, count).Select(Like).ToList();
        await Node.ReceiveAsync(Like(0), Eve); // a stored one, replayed below

        // All at once, as concurrent POSTs would; the same activity twice among them, and the replay.
        var outcomes = await Task.WhenAll(activities.Append(activities[7]).Append(Like(0)).Select(a => Node.ReceiveAsync(a, Eve)));

        Assert.Equal(count, outcomes.Count(o => o == ReceiveOutcome.Queued));
        Assert.Equal(2, outcomes.Count(o => o == ReceiveOutcome.Duplicate));
        var stored = await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().OrderBy(i => i.Id).ToListAsync());
        Assert.Equal(activities.Select(a => a.Value<string>("id")).Prepend(Like(0).Value<string>("id")).Order(StringComparer.Ordinal),
            stored.Select(i => i.ActivityId).Order(StringComparer.Ordinal));
        Assert.All(stored, i => Assert.Equal((Eve, InboxState.Pending, 0), (i.ActorUri, i.State, i.Attempts)));
        Assert.Equal(activities[3].ToString(Newtonsoft.Json.Formatting.None), stored.Single(i => i.ActivityId == activities[3].Value<string>("id")).Json);

        // The first request may be written alone; the others queue while it commits and go in a few transactions.
        var commits = Node.Services.GetRequiredService<InboxIntake>().Commits;
        Assert.InRange(commits, 2, 1 + count / 4);
    }

    private const string Eve = "https://e.example/users/eve";

    private static JObject Like(int n) => new()
    {
        ["id"] = $"{Eve}/likes/{n}", ["type"] = "Like", ["actor"] = Eve, ["object"] = $"https://node.example/objects/{n}",
    };
}

public sealed class InboxIntakeTestsOnPostgres : InboxIntakeTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
