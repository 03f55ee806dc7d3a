using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A relayed reply is stored once (performance.md, storage): the group's Announce row keeps the author's activity
/// without the reply inside it, and what is delivered and served is still the Announce of the Create exactly as it came.
/// </summary>
public class RelayStorageTests : NodeTest
{
    private const string PublicIri = "https://www.w3.org/ns/activitystreams#Public";
    private const string Mia = "https://mastodon.example/users/mia";

    [DbFact]
    public async Task A_relayed_reply_is_stored_once_and_its_Announce_embeds_the_Create_as_received()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await Node.AddRemoteActorAsync(Mia);
        var create = Create("1", prompt, "Spaced repetition beats rereading.");

        var row = await ReceiveAsync(author, create);

        Assert.NotNull(row.ReplyId);
        Assert.DoesNotContain("Spaced repetition", row.Json); // the note lives in replies only
        var announce = await DocumentAsync(row);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        Assert.Equal(urls.Activity(row.Key), announce.Value<string>("id"));
        Assert.Equal("Announce", announce.Value<string>("type"));
        Assert.Equal(urls.Actor(group), announce.Value<string>("actor"));
        Assert.True(JToken.DeepEquals(create, announce["object"]), announce["object"]!.ToString());
        Assert.Equal([PublicIri], announce["to"]!.Values<string>());
        Assert.Equal([urls.Followers(group), Mia], announce["cc"]!.Values<string>());
        Assert.Equal(row.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), announce.Value<string>("published"));
        Assert.Equal(["@context", "id", "type", "actor", "object", "published", "to", "cc"], announce.Properties().Select(p => p.Name));
    }

    /// <summary>
    /// The inbox expands a relay in the transaction that stores the reply (issue 7, inbox speed): its delivery jobs exist
    /// as soon as the reply does, one per shared inbox, and the FanoutWorker finds nothing left to do.
    /// </summary>
    [DbFact]
    public async Task A_relay_is_queued_to_every_followers_inbox_with_its_reply()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await Node.AddRemoteActorAsync(Mia);
        await Node.AddFollowersAsync(group, "https://a.example/users/a1", "https://a.example/users/a2", "https://b.example/users/b1");

        var row = await ReceiveAsync(author, Create("5", prompt, "Queued with its reply."));

        var jobs = await Node.WithDbAsync(db => db.DeliveryJobs.AsNoTracking().Where(j => j.ActivityId == row.Id)
            .Select(j => new { j.Inbox, j.State }).ToListAsync());
        Assert.Equal(["https://a.example/inbox", "https://b.example/inbox"], jobs.Select(j => j.Inbox).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.Equal(DeliveryState.Pending, j.State));
        var fanout = await Node.WithDbAsync(db => db.FanoutJobs.AsNoTracking().SingleAsync(f => f.ActivityId == row.Id));
        Assert.Equal((DeliveryState.Succeeded, 1, (long?)null), (fanout.State, fanout.Attempts, fanout.LockedUntil));
        // The worker still has the prompt's own fan-out to do, and does not expand the relay a second time.
        Assert.Equal(1, await ActivatorUtilities.CreateInstance<FanoutWorker>(Node.Services).RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, await Node.WithDbAsync(db => db.DeliveryJobs.CountAsync(j => j.ActivityId == row.Id)));
    }

    [DbFact]
    public async Task An_edit_keeps_the_first_Announce_with_the_version_it_relayed()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await Node.AddRemoteActorAsync(Mia);
        var create = Create("2", prompt, "First version.");
        var row = await ReceiveAsync(author, create);

        var edited = (JObject)create["object"]!.DeepClone();
        edited["content"] = "<p>Second version.</p>";
        var update = new JObject { ["id"] = $"{Mia}/statuses/2#updates/1", ["type"] = "Update", ["actor"] = Mia, ["object"] = edited };
        await using (var scope = Node.Scope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<ThreadService>().UpdateAsync(author, edited, update, default));

        var first = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Id == row.Id));
        Assert.Null(first.ReplyId); // made whole before the stored reply changed
        Assert.True(JToken.DeepEquals(create, (await DocumentAsync(first))["object"]));
        var relayOfEdit = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").OrderBy(a => a.Id).LastAsync());
        Assert.True(JToken.DeepEquals(update, (await DocumentAsync(relayOfEdit))["object"]));
        Assert.Contains("Second version", await Node.WithDbAsync(db => db.Replies.Select(r => r.Json).SingleAsync()));
    }

    [DbFact]
    public async Task A_members_only_groups_relay_is_addressed_to_its_followers_alone()
    {
        var (group, prompt, _) = await Node.AddGroupWithPromptAsync(membersOnly: true);
        var author = await Node.AddRemoteActorAsync(Mia);
        await Node.WithDbAsync(db =>
        {
            db.Followers.Add(new Follower { LocalActorId = group.Id, RemoteActorId = author.Id, ActorUri = Mia, State = FollowState.Accepted, CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        var create = Create("3", prompt, "Members only.");

        var row = await ReceiveAsync(author, create);
        // Not public: queued to the follower's own inbox, never a server's shared one.
        Assert.Equal([Mia + "/inbox"], await Node.WithDbAsync(db => db.DeliveryJobs.Where(j => j.ActivityId == row.Id).Select(j => j.Inbox).ToListAsync()));

        Assert.False(row.IsPublic);
        Assert.NotNull(row.ReplyId);
        var announce = await DocumentAsync(row);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        Assert.False(Audience.IsPublic(announce));
        Assert.Equal([urls.Followers(group)], announce["to"]!.Values<string>());
        Assert.True(JToken.DeepEquals(create, announce["object"])); // the author's activity is not ours to rewrite
    }

    [DbFact]
    public async Task A_Create_that_does_not_embed_the_stored_note_is_kept_whole()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await Node.AddRemoteActorAsync(Mia);
        var create = Create("4", prompt, "As sent.");
        var note = (JObject)create["object"]!.DeepClone();
        note["content"] = "<p>As fetched.</p>"; // e.g. the note fetched from its origin differs from the embedded copy

        await using (var scope = Node.Scope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<ThreadService>().ReceiveAsync(author, note, create, default));

        var row = await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().SingleAsync(a => a.Type == "Announce"));
        Assert.Null(row.ReplyId);
        Assert.True(JToken.DeepEquals(create, (await DocumentAsync(row))["object"]));
    }

    /// <summary>Mastodon's shape of a reply (as in federation-fixtures), with a context array and an LD signature.</summary>
    /// <summary>
    /// An author's activity just under the 1 MiB body limit does not fit once the group's Announce is around it: a receiver
    /// that enforces the limit would refuse it (413, final). Such a relay names the reply (or the edit) by its id instead,
    /// and fits; the twin, a reply with room to spare, is still embedded.
    /// </summary>
    [DbFact]
    public async Task A_reply_or_edit_close_to_the_body_limit_is_announced_by_its_id_so_that_the_relay_fits_one_body()
    {
        const int Limit = 1024 * 1024;
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await Node.AddRemoteActorAsync(Mia);
        var big = Create("7", prompt, "");
        big["object"]!["content"] = $"<p>{new string('a', Limit - 64 - Bytes(big))}</p>";
        Assert.InRange(Bytes(big), Limit - 80, Limit - 1); // the author's Create fits in one body

        var announce = await DocumentAsync(await ReceiveAsync(author, big));
        Assert.Equal($"{Mia}/statuses/7", announce.Value<string>("object"));
        Assert.True(Bytes(announce) < 4096);

        var roomy = Create("8", prompt, new string('b', Limit - 32 * 1024)); // the twin
        var embedded = await DocumentAsync(await ReceiveAsync(author, roomy));
        Assert.True(JToken.DeepEquals(roomy, embedded["object"]));
        Assert.InRange(Bytes(embedded), Limit - 32 * 1024, Limit);

        // An edit of the roomy reply that grows it to the limit: announced by the Update's id.
        var update = (JObject)big.DeepClone();
        update["id"] = $"{Mia}/statuses/8#updates/1";
        update["type"] = "Update";
        update["object"]!["id"] = $"{Mia}/statuses/8";
        await using (var scope = Node.Scope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<ThreadService>().UpdateAsync(author, (JObject)update["object"]!.DeepClone(), update, default));
        var relayedEdit = ActivityJson.Parse(await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").OrderBy(a => a.Id).Select(a => a.Json).LastAsync()));
        Assert.Equal($"{Mia}/statuses/8#updates/1", relayedEdit.Value<string>("object"));
    }

    private static int Bytes(JObject json) => System.Text.Encoding.UTF8.GetByteCount(json.ToString(Newtonsoft.Json.Formatting.None));

    private static JObject Create(string n, string inReplyTo, string text) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", new JObject { ["sensitive"] = "as:sensitive" }),
        ["id"] = $"{Mia}/statuses/{n}/activity",
        ["type"] = "Create",
        ["actor"] = Mia,
        ["published"] = "2026-12-02T10:00:00Z",
        ["to"] = new JArray(PublicIri),
        ["cc"] = new JArray($"{Mia}/followers"),
        ["object"] = new JObject
        {
            ["id"] = $"{Mia}/statuses/{n}", ["type"] = "Note", ["summary"] = null, ["inReplyTo"] = inReplyTo,
            ["published"] = "2026-12-02T10:00:00Z", ["attributedTo"] = Mia, ["to"] = new JArray(PublicIri),
            ["cc"] = new JArray($"{Mia}/followers"), ["sensitive"] = false, ["content"] = $"<p>{text}</p>", ["tag"] = new JArray(),
            ["attachment"] = new JArray(), ["replies"] = new JObject { ["type"] = "Collection", ["totalItems"] = 0.5e1 },
        },
        ["signature"] = new JObject { ["type"] = "RsaSignature2017", ["creator"] = $"{Mia}#main-key", ["created"] = "2026-12-02T10:00:00Z", ["signatureValue"] = "c2ln" },
    };

    private async Task<OutboundActivity> ReceiveAsync(RemoteActor author, JObject create)
    {
        await using (var scope = Node.Scope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<ThreadService>().ReceiveAsync(author, (JObject)create["object"]!.DeepClone(), create, default));
        return await Node.WithDbAsync(db => db.OutboundActivities.AsNoTracking().Where(a => a.Type == "Announce").OrderBy(a => a.Id).LastAsync());
    }

    private async Task<JObject> DocumentAsync(OutboundActivity row)
    {
        await using var scope = Node.Scope();
        var json = await scope.ServiceProvider.GetRequiredService<OutboundDocuments>()
            .JsonAsync(scope.ServiceProvider.GetRequiredService<FediLearnDbContext>(), row, default);
        return ActivityJson.Parse(json);
    }
}

public sealed class RelayStorageTestsOnPostgres : RelayStorageTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
