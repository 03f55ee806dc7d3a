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

    [DbFact]
    public async Task The_worker_gets_each_stored_activitys_parse_once_and_no_replays()
    {
        var handoff = Node.Services.GetRequiredService<ParsedActivityHandoff>();
        await Node.ReceiveAsync(Like(1), Eve);
        await Node.ReceiveAsync(Like(2), Eve);
        Assert.Equal(ReceiveOutcome.Duplicate, await Node.ReceiveAsync(Like(1), Eve));

        var stored = await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().OrderBy(i => i.Id).ToListAsync());
        Assert.Equal(2, handoff.Count); // the replay offered nothing
        foreach (var item in stored)
        {
            var parsed = handoff.Take(item.Id);
            Assert.NotNull(parsed);
            Assert.True(JToken.DeepEquals(FediLearn.ActivityPub.Json.ActivityJson.Parse(item.Json), parsed));
            Assert.Null(handoff.Take(item.Id)); // taken once
        }
    }

    [DbFact]
    public async Task The_worker_applies_the_handed_on_parse_rather_than_parsing_again()
    {
        // The stored reply says "stored"; the parse handed on under its row's id is swapped for one that says "handed on".
        // Which text the group keeps shows which one the worker applied.
        var (handoff, prompt, id) = await StoreReplyTakingItsParseAsync();
        handoff.Offer(id, Reply(prompt, "handed on"), 500);

        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));

        Assert.Equal("<p>handed on</p>", await Node.WithDbAsync(db => db.Replies.Select(r => r.ContentHtml).SingleAsync()));
        Assert.Equal(0, handoff.Count);
    }

    [DbFact]
    public async Task Without_a_handed_on_parse_the_worker_parses_the_stored_json()
    {
        // Another app node's worker, or this one after a restart: nothing in memory, the row's JSON is all there is.
        await StoreReplyTakingItsParseAsync();

        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));

        Assert.Equal("<p>stored</p>", await Node.WithDbAsync(db => db.Replies.Select(r => r.ContentHtml).SingleAsync()));
    }

    /// <summary>A reply to a group's prompt, saying "stored", received and committed; its handed-on parse taken away.</summary>
    private async Task<(ParsedActivityHandoff Handoff, string Prompt, long ItemId)> StoreReplyTakingItsParseAsync()
    {
        var handoff = Node.Services.GetRequiredService<ParsedActivityHandoff>();
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync(FediLearn.Core.Data.Entities.PostingPolicy.Open);
        await Node.AddRemoteActorAsync(Eve);
        await Node.ReceiveAsync(Reply(prompt, "stored"), Eve);
        var id = await Node.WithDbAsync(db => db.InboxItems.Select(i => i.Id).SingleAsync());
        Assert.NotNull(handoff.Take(id));
        return (handoff, prompt, id);
    }

    private static JObject Reply(string inReplyTo, string text) => new()
    {
        ["id"] = $"{Eve}/statuses/1/activity", ["type"] = "Create", ["actor"] = Eve,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"),
        ["object"] = new JObject
        {
            ["id"] = $"{Eve}/statuses/1", ["type"] = "Note", ["inReplyTo"] = inReplyTo, ["attributedTo"] = Eve,
            ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), ["content"] = $"<p>{text}</p>",
        },
    };

    [Fact]
    public void The_handoff_is_bounded_by_the_size_of_the_json_and_forgets_rather_than_grows()
    {
        var handoff = new ParsedActivityHandoff();
        const int size = 2_000; // a Mastodon reply's Create
        var fits = ParsedActivityHandoff.BudgetChars / size;
        for (var i = 0; i < fits; i++) handoff.Offer(i, Like(i), size);
        Assert.Equal((fits, fits * size), (handoff.Count, handoff.HeldChars));

        handoff.Offer(fits, Like(-1), size); // over the budget: what was held goes (another node may have applied it)

        Assert.Equal((1, size), (handoff.Count, handoff.HeldChars));
        Assert.Null(handoff.Take(0));
        Assert.Equal(Like(-1).ToString(), handoff.Take(fits)?.ToString());
        Assert.Equal(0, handoff.HeldChars);
    }

    [Fact]
    public void A_large_activity_is_not_held_at_all()
    {
        // A body may be up to Federation:MaxBodyBytes (1 MB), and its tree ~11 times that: the worker parses it again.
        var handoff = new ParsedActivityHandoff();
        handoff.Offer(1, Like(1), ParsedActivityHandoff.MaxChars + 1);
        handoff.Offer(2, Like(2), ParsedActivityHandoff.MaxChars);

        Assert.Null(handoff.Take(1));
        Assert.NotNull(handoff.Take(2));
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
