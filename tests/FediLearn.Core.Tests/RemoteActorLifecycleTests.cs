using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Issue 6: what a remote actor's own Delete and Update of itself do to what we hold of it, applied by the inbox
/// handlers the inbox worker calls (the signature was checked before the activity was queued). Every case has a
/// tampered twin: the same activity about someone else's actor, or with an endpoint on another origin.
/// </summary>
public sealed class RemoteActorLifecycleTests : NodeTest
{
    private const string Group = TestNode.PublicUrl + "/g/circle";

    // ---- self-Delete ----

    [Fact]
    public async Task Self_delete_removes_the_actor_from_followers_withdraws_its_replies_and_forgets_it_without_a_reject()
    {
        var (mia, eve) = await ThreadWithRepliesAsync();
        var sharedJob = await QueueDeliveryAsync(mia.SharedInbox!);
        var ownJob = await QueueDeliveryAsync(mia.Inbox);
        await Node.WithDbAsync(db =>
        {
            foreach (var actor in new[] { mia, eve })
                db.Likes.Add(new Like { ObjectUri = "https://a.example/users/eve/statuses/1", ActorUri = actor.Uri, ActivityId = actor.Uri + "#like", CreatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });

        await HandleAsync(Delete(mia.Uri, mia.Uri), mia);

        await Node.WithDbAsync(async db =>
        {
            Assert.Equal([eve.Uri], await db.Followers.Select(f => f.ActorUri).ToListAsync());
            Assert.False(await db.RemoteActors.AnyAsync(a => a.Uri == mia.Uri)); // a later activity needs a fresh fetch of the key
            Assert.All(await db.Replies.Where(r => r.AuthorUri == mia.Uri).ToListAsync(), r => Assert.NotNull(r.DeletedAt));
            Assert.Null((await db.Replies.SingleAsync(r => r.AuthorUri == eve.Uri)).DeletedAt);
            Assert.Equal([eve.Uri], await db.Likes.Select(l => l.ActorUri).ToListAsync()); // mia's like goes with her, eve's stays
            var sent = await db.OutboundActivities.Select(a => a.Type).ToListAsync();
            Assert.Equal(2, sent.Count(t => t == "Undo")); // the group withdraws its Announce of each of mia's two replies
            Assert.DoesNotContain("Reject", sent);
            Assert.Equal(3, sent.Count(t => t == "Announce")); // nothing new relayed
            Assert.Equal(DeliveryState.Abandoned, (await db.DeliveryJobs.SingleAsync(j => j.Id == ownJob)).State);
            Assert.Equal(DeliveryState.Pending, (await db.DeliveryJobs.SingleAsync(j => j.Id == sharedJob)).State); // eve's server still reads it
            return 0;
        });

        // A re-delivery of the same Delete finds nothing more to do.
        await HandleAsync(Delete(mia.Uri, mia.Uri), mia);
    }

    [Fact]
    public async Task Twin_delete_of_another_actor_by_a_signer_changes_nothing()
    {
        var (mia, eve) = await ThreadWithRepliesAsync();
        var ownJob = await QueueDeliveryAsync(mia.Inbox);

        // eve (same server, valid signature of her own) claims mia is deleted; and once more with mia as the actor field.
        await HandleAsync(Delete(eve.Uri, mia.Uri), eve);
        await HandleAsync(Delete(mia.Uri, mia.Uri), eve);

        await Node.WithDbAsync(async db =>
        {
            Assert.Equal(2, await db.Followers.CountAsync());
            Assert.True(await db.RemoteActors.AnyAsync(a => a.Uri == mia.Uri));
            Assert.All(await db.Replies.ToListAsync(), r => Assert.Null(r.DeletedAt));
            Assert.DoesNotContain("Undo", await db.OutboundActivities.Select(a => a.Type).ToListAsync());
            Assert.Equal(DeliveryState.Pending, (await db.DeliveryJobs.SingleAsync(j => j.Id == ownJob)).State);
            return 0;
        });
    }

    // ---- actor Update ----

    [Fact]
    public async Task Own_actor_update_refreshes_name_endpoints_and_rotated_key()
    {
        var mia = await Node.AddRemoteActorAsync("https://a.example/users/mia");
        var (_, newPem) = KeyGenerator.NewRsa2048();
        var document = ActorJson(mia.Uri, name: "Mia Renamed", username: "mia2", inbox: "https://a.example/users/mia/inbox2",
            sharedInbox: "https://a.example/shared", keyId: mia.Uri + "#key-2", keyOwner: mia.Uri, pem: newPem);

        await HandleAsync(Update(mia.Uri, document), mia);

        var row = await CachedAsync(mia.Uri);
        Assert.Equal("Mia Renamed", row.DisplayName);
        Assert.Equal("mia2", row.Username);
        Assert.Equal("https://a.example/users/mia/inbox2", row.Inbox);
        Assert.Equal("https://a.example/shared", row.SharedInbox);
        Assert.Equal(mia.Uri + "#key-2", row.KeyId);
        Assert.Equal(newPem, row.PublicKeyPem);
    }

    [Theory]
    [InlineData("another actor's document")]
    [InlineData("inbox on another origin")]
    [InlineData("shared inbox on another origin")]
    [InlineData("not an actor document")]
    public async Task Twin_actor_update_of_another_actor_or_with_a_foreign_inbox_is_ignored(string tamper)
    {
        var mia = await Node.AddRemoteActorAsync("https://a.example/users/mia");
        var eve = await Node.AddRemoteActorAsync("https://a.example/users/eve");
        var before = await CachedAsync(mia.Uri);
        var (_, newPem) = KeyGenerator.NewRsa2048();
        var document = ActorJson(mia.Uri, name: "Hacked", username: "mia", inbox: mia.Uri + "/inbox", sharedInbox: "https://a.example/inbox",
            keyId: mia.Uri + "#main-key", keyOwner: mia.Uri, pem: newPem);
        var signer = mia;
        switch (tamper)
        {
            case "another actor's document": signer = eve; break;
            case "inbox on another origin": document["inbox"] = "https://victim.example/inbox"; break;
            case "shared inbox on another origin": document["endpoints"]!["sharedInbox"] = "https://victim.example/inbox"; break;
            case "not an actor document": document.Remove("inbox"); break;
        }

        await HandleAsync(Update(signer.Uri, document), signer);

        var after = await CachedAsync(mia.Uri);
        Assert.Equal(before.DisplayName, after.DisplayName);
        Assert.Equal(before.Inbox, after.Inbox);
        Assert.Equal(before.SharedInbox, after.SharedInbox);
        Assert.Equal(before.PublicKeyPem, after.PublicKeyPem);
        Assert.Equal(before.FetchedAt, after.FetchedAt);
    }

    [Theory]
    [InlineData("owned by another actor")]
    [InlineData("on another origin")]
    public async Task Twin_actor_update_with_a_key_not_its_own_keeps_the_cached_key(string tamper)
    {
        var mia = await Node.AddRemoteActorAsync("https://a.example/users/mia");
        var (_, pem) = KeyGenerator.NewRsa2048();
        await Node.WithDbAsync(db => db.RemoteActors.Where(a => a.Id == mia.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.PublicKeyPem, pem)));
        var (_, foreignPem) = KeyGenerator.NewRsa2048();
        var document = tamper == "owned by another actor"
            ? ActorJson(mia.Uri, "Mia", "mia", mia.Uri + "/inbox", null, mia.Uri + "#main-key", "https://a.example/users/eve", foreignPem)
            : ActorJson(mia.Uri, "Mia", "mia", mia.Uri + "/inbox", null, "https://b.example/keys/1", mia.Uri, foreignPem);

        await HandleAsync(Update(mia.Uri, document), mia);

        var after = await CachedAsync(mia.Uri);
        Assert.Equal("Mia", after.DisplayName); // the rest of its own document is applied
        Assert.Equal(mia.Uri + "#main-key", after.KeyId);
        Assert.Equal(pem, after.PublicKeyPem);
    }

    // ---- helpers ----

    /// <summary>Group "circle" followed by mia and eve (a.example), with two replies by mia and one by eve, each relayed.</summary>
    private async Task<(RemoteActor Mia, RemoteActor Eve)> ThreadWithRepliesAsync()
    {
        var group = await Node.AddActorAsync(ActorKind.Group, "circle");
        var mia = await Node.AddRemoteActorAsync("https://a.example/users/mia");
        var eve = await Node.AddRemoteActorAsync("https://a.example/users/eve");
        await Node.WithDbAsync(db =>
        {
            foreach (var actor in new[] { mia, eve })
            {
                db.Followers.Add(new Follower
                {
                    LocalActorId = group.Id, RemoteActorId = actor.Id, ActorUri = actor.Uri, FollowActivityId = actor.Uri + "/follow",
                    FollowJson = "{}", State = FollowState.Accepted, CreatedAt = DateTime.UtcNow, AcceptedAt = DateTime.UtcNow,
                });
            }
            return db.SaveChangesAsync();
        });
        await HandleAsync(Create(mia, "https://a.example/users/mia/statuses/1"), mia);
        await HandleAsync(Create(mia, "https://a.example/users/mia/statuses/2"), mia);
        await HandleAsync(Create(eve, "https://a.example/users/eve/statuses/1"), eve);
        Assert.Equal(3, await Node.WithDbAsync(db => db.Replies.CountAsync()));
        return (mia, eve);
    }

    private Task<long> QueueDeliveryAsync(string inbox) => Node.WithDbAsync(async db =>
    {
        var activity = await db.OutboundActivities.OrderBy(a => a.Id).FirstAsync();
        var job = new DeliveryJob { ActivityId = activity.Id, Inbox = inbox, Host = new Uri(inbox).Authority, State = DeliveryState.Pending, NextAttemptAt = long.MaxValue / 2 };
        db.DeliveryJobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    });

    private Task<RemoteActor> CachedAsync(string uri) => Node.WithDbAsync(db => db.RemoteActors.AsNoTracking().SingleAsync(a => a.Uri == uri));

    private async Task HandleAsync(JObject activity, RemoteActor signer)
    {
        await using var scope = Node.Scope();
        var type = activity.Value<string>("type");
        var handler = scope.ServiceProvider.GetServices<IActivityHandler>().Single(h => h.Type == type);
        await handler.HandleAsync(new InboxContext(activity, signer), CancellationToken.None);
    }

    private static JObject Create(RemoteActor author, string noteId) => Activity("Create", author.Uri, new JObject
    {
        ["id"] = noteId,
        ["type"] = "Note",
        ["attributedTo"] = author.Uri,
        ["to"] = new JArray("https://www.w3.org/ns/activitystreams#Public"), // a public reply: the group relays only those
        ["content"] = "<p>an answer</p>",
        ["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = Group }),
    });

    /// <summary>Mastodon's account deletion: object is the actor id, signed by that actor.</summary>
    private static JObject Delete(string actor, string deleted) => Activity("Delete", actor, deleted);

    /// <summary>Mastodon's Update{Person}: the actor embedded without a @context of its own.</summary>
    private static JObject Update(string actor, JObject document) => Activity("Update", actor, document);

    private static JObject Activity(string type, string actor, JToken obj) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
        ["id"] = $"{actor}#{type.ToLowerInvariant()}-{Guid.NewGuid():N}",
        ["type"] = type,
        ["actor"] = actor,
        ["object"] = obj,
    };

    private static JObject ActorJson(string id, string name, string username, string inbox, string? sharedInbox, string keyId, string keyOwner, string pem)
    {
        var json = new JObject
        {
            ["id"] = id,
            ["type"] = "Person",
            ["preferredUsername"] = username,
            ["name"] = name,
            ["inbox"] = inbox,
            ["outbox"] = id + "/outbox",
            ["icon"] = new JObject { ["type"] = "Image", ["url"] = "https://a.example/avatar.png" },
            ["publicKey"] = new JObject { ["id"] = keyId, ["owner"] = keyOwner, ["publicKeyPem"] = pem },
        };
        if (sharedInbox is not null) json["endpoints"] = new JObject { ["sharedInbox"] = sharedInbox };
        return json;
    }
}
