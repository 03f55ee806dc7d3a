using System.Collections.Concurrent;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Cases of /work/shared/security.md about keys and ownership (9, 10, 11) spoofing (23, 24) and discovery limits (30) and replay (31) asserted on the SignatureAuthenticator the
/// inbox endpoint calls and on the inbox handlers the inbox worker calls, against a real HTTP key server on 127.0.0.1 that counts every request it gets; and case 35's
/// login lockout on the Identity configuration the login page uses.
/// </summary>
public class SecurityCasesTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> AllowLoopback = new() { ["FediLearn:Federation:AllowPrivateAddresses"] = "true" };

    private TestNode? _node;
    private KeyServer? _server;

    private TestNode Node => _node!;
    private KeyServer Server => _server!;

    /// <summary>SecurityCasesTestsOnPostgres runs the same cases with the node's data on PostgreSQL.</summary>
    protected virtual TestProvider Provider => TestProvider.Sqlite;

    public async Task InitializeAsync()
    {
        if (Provider == TestProvider.Postgres && TestPostgres.ServerConnectionString is null) return; // reported as skipped
        _node = await TestNode.StartAsync(AllowLoopback, Provider);
        _server = await KeyServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_node is not null) await _node.DisposeAsync();
    }

    // ---- case 10: the key must be claimed both ways, on one origin ----

    [DbFact]
    public async Task Case10_twin_actor_listing_its_own_key_is_accepted()
    {
        var (actor, privatePem) = ServeEve();

        var result = await AuthenticateAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(actor, result.Signer!.Uri);
    }

    [DbFact]
    public async Task Case10_keyId_document_whose_id_is_not_the_keyId_is_rejected()
    {
        // keyId https://a/keys/1 answers with a document that calls itself https://a/users/eve.
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = Server.Url("/keys/1");
        Server.Serve("/keys/1", Actor(actor, keyId, actor, publicPem));

        var result = await AuthenticateAsync(Node, SignedPost(keyId, privatePem, actor));

        Assert.False(result.Succeeded);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(0, await CachedActorsAsync(Node));
    }

    [DbFact]
    public async Task Case10_standalone_key_whose_owner_does_not_list_it_is_rejected()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = Server.Url("/keys/k1");
        Server.Serve("/keys/k1", Key(keyId, actor, publicPem));
        // The owner lists a different key: the key's claim is one-sided.
        Server.Serve("/users/eve", Actor(actor, actor + "#main-key", actor, publicPem));

        var result = await AuthenticateAsync(Node, SignedPost(keyId, privatePem, actor));

        Assert.False(result.Succeeded);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(1, Server.Hits("/users/eve"));
        Assert.Equal(0, await CachedActorsAsync(Node));
    }

    [DbFact]
    public async Task Case10_twin_standalone_key_listed_by_its_owner_is_accepted()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = Server.Url("/keys/k1");
        Server.Serve("/keys/k1", Key(keyId, actor, publicPem));
        Server.Serve("/users/eve", Actor(actor, keyId, actor, publicPem));

        var result = await AuthenticateAsync(Node, SignedPost(keyId, privatePem, actor));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(actor, result.Signer!.Uri);
    }

    [DbFact]
    public async Task Case10_key_owner_on_another_origin_than_the_keyId_is_rejected_without_fetching_the_owner()
    {
        await using var other = await KeyServer.StartAsync();
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var foreignActor = other.Url("/users/eve");
        var keyId = Server.Url("/keys/k1");
        Server.Serve("/keys/k1", Key(keyId, foreignActor, publicPem));
        // Even if the other origin lists the key, the two must be one origin.
        other.Serve("/users/eve", Actor(foreignActor, keyId, foreignActor, publicPem));

        var result = await AuthenticateAsync(Node, SignedPost(keyId, privatePem, foreignActor));

        Assert.False(result.Succeeded);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(0, other.TotalHits);
        Assert.Equal(0, await CachedActorsAsync(Node));
    }

    [DbFact]
    public async Task Case10_actor_listing_a_key_owned_by_someone_else_is_rejected()
    {
        // The actor document lists the keyId but the key names another owner.
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        Server.Serve("/users/eve", Actor(actor, actor + "#main-key", Server.Url("/users/alice"), publicPem));

        var result = await AuthenticateAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.False(result.Succeeded);
        Assert.Equal(401, result.StatusCode);
    }

    // ---- case 9: key rotation ----

    [DbFact]
    public async Task Case9_stale_cached_key_is_refetched_exactly_once_then_accepted()
    {
        var (oldPrivate, oldPublic) = KeyGenerator.NewRsa2048();
        var (newPrivate, newPublic) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, oldPublic));
        Assert.True((await AuthenticateAsync(Node, SignedPost(keyId, oldPrivate, actor))).Succeeded);
        Assert.Equal(1, Server.Hits("/users/eve"));

        // A cached key verifies without any fetch.
        Assert.True((await AuthenticateAsync(Node, SignedPost(keyId, oldPrivate, actor))).Succeeded);
        Assert.Equal(1, Server.Hits("/users/eve"));

        Server.Serve("/users/eve", Actor(actor, keyId, actor, newPublic));
        var rotated = await AuthenticateAsync(Node, SignedPost(keyId, newPrivate, actor));

        Assert.True(rotated.Succeeded, rotated.Error);
        Assert.Equal(2, Server.Hits("/users/eve"));
    }

    [DbFact]
    public async Task Case9_signature_failing_after_the_refetch_is_rejected_without_a_second_refetch()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var (forgerPrivate, _) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, publicPem));
        Assert.True((await AuthenticateAsync(Node, SignedPost(keyId, privatePem, actor))).Succeeded);
        var before = Server.Hits("/users/eve");

        var forged = await AuthenticateAsync(Node, SignedPost(keyId, forgerPrivate, actor));

        Assert.False(forged.Succeeded);
        Assert.Equal(401, forged.StatusCode);
        Assert.Equal(before + 1, Server.Hits("/users/eve"));
    }

    // ---- performance.md "Key fetches": one fetch per new keyId under concurrent first contact ----

    /// <summary>
    /// A new server's first burst: sixteen requests signed with one unknown key arrive while its document is still being
    /// fetched (the server takes a second to answer). They share one fetch, and each is still verified on its own: the
    /// four signed by another key under the same keyId are refused. Before KeyFetches every request fetched the document.
    /// </summary>
    [DbFact]
    public async Task Concurrent_first_contact_fetches_the_key_once_and_still_verifies_each_request()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var (forgerPrivate, _) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, publicPem));
        Server.Delay = TimeSpan.FromSeconds(1);
        var requests = Enumerable.Range(0, 16).Select(i => SignedPost(keyId, i % 4 == 3 ? forgerPrivate : privatePem, actor)).ToList();

        var results = await Task.WhenAll(requests.Select(r => Task.Run(() => AuthenticateForInboxAsync(Node, r))));

        Assert.Equal(1, Server.Hits("/users/eve"));
        for (var i = 0; i < results.Length; i++)
        {
            if (i % 4 == 3)
            {
                Assert.False(results[i].Succeeded);
                Assert.Equal(401, results[i].StatusCode);
            }
            else
            {
                Assert.True(results[i].Succeeded, results[i].Error);
                Assert.Equal(actor, results[i].SignerUri);
            }
        }
        Assert.Equal(1, await CachedActorsAsync(Node));
    }

    /// <summary>A fetch that fails reaches every request waiting for it; the next request after it fetches again.</summary>
    [DbFact]
    public async Task A_shared_key_fetch_that_fails_fails_each_waiting_request_and_the_next_one_fetches_again()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Delay = TimeSpan.FromSeconds(1); // nothing served yet: 404
        var requests = Enumerable.Range(0, 8).Select(_ => SignedPost(keyId, privatePem, actor)).ToList();

        var results = await Task.WhenAll(requests.Select(r => Task.Run(() => AuthenticateForInboxAsync(Node, r))));

        Assert.All(results, r => Assert.Equal(401, r.StatusCode));
        Assert.Equal(1, Server.Hits("/users/eve"));
        Server.Delay = TimeSpan.Zero;
        Server.Serve("/users/eve", Actor(actor, keyId, actor, publicPem));
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(keyId, privatePem, actor))).Succeeded);
        Assert.Equal(2, Server.Hits("/users/eve"));
    }

    // ---- case 9 on the inbox's path: keys that verified lately are held in memory (VerifiedKeyCache) ----

    [DbFact]
    public async Task Case9_inbox_key_held_in_memory_after_a_rotation_is_refetched_exactly_once_then_accepted()
    {
        var (oldPrivate, oldPublic) = KeyGenerator.NewRsa2048();
        var (newPrivate, newPublic) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, oldPublic));
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(keyId, oldPrivate, actor))).Succeeded);
        var fromMemory = await AuthenticateForInboxAsync(Node, SignedPost(keyId, oldPrivate, actor));
        Assert.Equal(actor, fromMemory.SignerUri);
        Assert.Null(fromMemory.Signer); // verified with the key held in memory, not the database row
        Assert.Equal(1, Server.Hits("/users/eve"));

        Server.Serve("/users/eve", Actor(actor, keyId, actor, newPublic));
        var rotated = await AuthenticateForInboxAsync(Node, SignedPost(keyId, newPrivate, actor));

        Assert.True(rotated.Succeeded, rotated.Error);
        Assert.Equal(2, Server.Hits("/users/eve"));
        // The old key is forgotten with the refetch: it no longer verifies, from memory or from the database.
        var old = await AuthenticateForInboxAsync(Node, SignedPost(keyId, oldPrivate, actor));
        Assert.Equal(401, old.StatusCode);
        Assert.Equal(3, Server.Hits("/users/eve"));
    }

    [DbFact]
    public async Task Case9_inbox_forged_signature_with_the_key_in_memory_is_401_after_one_refetch()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var (forgerPrivate, _) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, publicPem));
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(keyId, privatePem, actor))).Succeeded);

        var forged = await AuthenticateForInboxAsync(Node, SignedPost(keyId, forgerPrivate, actor));

        Assert.Equal(401, forged.StatusCode);
        Assert.Null(forged.SignerUri);
        Assert.Equal(2, Server.Hits("/users/eve"));
    }

    [DbFact]
    public async Task Case9_inbox_key_replaced_by_an_actor_update_is_not_trusted_from_memory()
    {
        var (oldPrivate, oldPublic) = KeyGenerator.NewRsa2048();
        var (_, newPublic) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        var keyId = actor + "#main-key";
        Server.Serve("/users/eve", Actor(actor, keyId, actor, oldPublic));
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(keyId, oldPrivate, actor))).Succeeded);
        // Update{Person} with a new key, applied by the inbox worker; the actor's server now serves that key too.
        Server.Serve("/users/eve", Actor(actor, keyId, actor, newPublic));
        await using (var scope = Node.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var row = await db.RemoteActors.SingleAsync(a => a.Uri == actor);
            Assert.Null(await scope.ServiceProvider.GetRequiredService<RemoteActorResolver>()
                .ApplyUpdateAsync(row, Actor(actor, keyId, actor, newPublic), null, CancellationToken.None));
        }

        var old = await AuthenticateForInboxAsync(Node, SignedPost(keyId, oldPrivate, actor));

        Assert.Equal(401, old.StatusCode);
        Assert.Equal(2, Server.Hits("/users/eve"));
    }

    [DbFact]
    public async Task Case13_inbox_key_of_an_actor_deleted_since_is_not_trusted_from_memory()
    {
        var (actor, privatePem) = ServeEve();
        var keyId = actor + "#main-key";
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(keyId, privatePem, actor))).Succeeded);
        await using (var scope = Node.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var row = await db.RemoteActors.SingleAsync(a => a.Uri == actor);
            await scope.ServiceProvider.GetRequiredService<FediLearn.Core.Inbox.ActorDeletion>().DeleteAsync(row, CancellationToken.None);
        }
        Server.Serve("/users/eve", new JObject()); // gone: no actor document any more

        var after = await AuthenticateForInboxAsync(Node, SignedPost(keyId, privatePem, actor));

        Assert.Equal(401, after.StatusCode);
        Assert.Equal(2, Server.Hits("/users/eve"));
    }

    // ---- case 11: blocked domains and private keyIds ----

    [DbFact]
    public async Task Case11_keyId_on_a_blocked_domain_is_403_with_zero_outbound_requests()
    {
        var (actor, privatePem) = ServeEve();
        await BlockLoopbackAsync();

        var result = await AuthenticateAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.False(result.Succeeded);
        Assert.Equal(403, result.StatusCode);
        Assert.Equal(0, Server.TotalHits);
    }

    [DbFact]
    public async Task Case11_signed_fetch_from_a_domain_blocked_since_its_key_verified_is_403_at_once()
    {
        var (actor, privatePem) = ServeEve();
        var before = await AuthenticateAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));
        Assert.NotNull(before.Signer);
        await BlockLoopbackAsync();

        var after = await AuthenticateAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.Equal(403, after.StatusCode);
    }

    [DbFact]
    public async Task Case11_inbox_key_in_memory_of_a_domain_blocked_since_is_refused_as_it_is_stored()
    {
        var (actor, privatePem) = ServeEve();
        Assert.True((await AuthenticateForInboxAsync(Node, SignedPost(actor + "#main-key", privatePem, actor))).Succeeded);
        // Blocked by another process (the CLI): this node's memory is not told.
        await BlockLoopbackAsync();

        var auth = await AuthenticateForInboxAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));
        Assert.Equal(actor, auth.SignerUri); // the block is left to the intake on this path
        var follow = new JObject { ["id"] = actor + "/follows/1", ["type"] = "Follow", ["actor"] = actor, ["object"] = $"{TestNode.PublicUrl}/g/circle" };
        await using var scope = Node.Scope();
        var outcome = await scope.ServiceProvider.GetRequiredService<FediLearn.Core.Inbox.InboxReceiver>()
            .ReceiveAsync(follow, follow.ToString(Newtonsoft.Json.Formatting.None), actor, CancellationToken.None);

        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Blocked, outcome);
        Assert.Equal(0, await Node.WithDbAsync(db => Task.FromResult(db.InboxItems.Count())));
        Assert.Equal(1, Server.TotalHits);
    }

    [DbFact]
    public async Task Case11_inbox_keyId_not_in_memory_on_a_blocked_domain_is_403_with_zero_outbound_requests()
    {
        var (actor, privatePem) = ServeEve();
        await BlockLoopbackAsync();

        var result = await AuthenticateForInboxAsync(Node, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.Equal(403, result.StatusCode);
        Assert.Equal(0, Server.TotalHits);
    }

    [DbFact]
    public async Task Case11_loopback_keyId_is_rejected_with_no_connection_when_loopback_is_not_allowed()
    {
        await using var strict = await TestNode.StartAsync(provider: Provider);
        var (actor, privatePem) = ServeEve();

        var result = await AuthenticateAsync(strict, SignedPost(actor + "#main-key", privatePem, actor));

        Assert.False(result.Succeeded);
        Assert.Equal(401, result.StatusCode);
        Assert.Contains("not a public address", result.Error);
        Assert.Equal(0, Server.TotalHits);
        // Its twin is Case10_twin_actor_listing_its_own_key_is_accepted: same server, loopback allowed, accepted.
    }

    // ---- case 35: repeated failed logins lock the account ----

    [DbTheory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    public async Task Case35_five_failed_logins_lock_the_account_and_four_do_not(int failures, bool locked)
    {
        await using var scope = Node.Scope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        const string password = "correct horse battery staple 7";
        var user = new AppUser { UserName = "alice", Email = "alice@coop.example" };
        Assert.True((await users.CreateAsync(user, password)).Succeeded);

        // What SignInManager.PasswordSignInAsync(..., lockoutOnFailure: true) in the login page does on a wrong password.
        for (var i = 0; i < failures; i++)
        {
            Assert.False(await users.CheckPasswordAsync(user, password + "?"));
            await users.AccessFailedAsync(user);
        }

        Assert.Equal(locked, await users.IsLockedOutAsync(user));
        Assert.DoesNotContain(password, user.PasswordHash);
    }

    // ---- case 23: an embedded copy is never stored; the object is fetched from its own origin ----

    [DbFact]
    public async Task Case23_announce_embedding_a_fake_victim_note_stores_the_copy_fetched_from_the_victim()
    {
        await using var victim = await KeyServer.StartAsync();
        var mallory = await FollowedRemoteActorAsync(Server.Url("/users/mallory"));
        var noteId = victim.Url("/n/1");
        victim.Serve("/n/1", Note(noteId, victim.Url("/users/victim"), "the real words"));

        await HandleAsync("Announce", EmbeddedAnnounce(mallory.Uri, noteId, victim.Url("/users/victim"), "fake"), mallory);

        var stored = await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Single(o => o.Uri == noteId)));
        Assert.Contains("the real words", stored.Json);
        Assert.DoesNotContain("fake", stored.Json);
        Assert.Equal(1, victim.Hits("/n/1"));
    }

    [DbFact]
    public async Task Case23_twin_announce_of_a_note_its_origin_does_not_serve_stores_nothing()
    {
        await using var victim = await KeyServer.StartAsync();
        var mallory = await FollowedRemoteActorAsync(Server.Url("/users/mallory"));
        var noteId = victim.Url("/n/1");

        await HandleAsync("Announce", EmbeddedAnnounce(mallory.Uri, noteId, victim.Url("/users/victim"), "fake"), mallory);

        Assert.Equal(1, victim.Hits("/n/1"));
        Assert.Equal(0, await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Count())));
    }

    // ---- case 24: Update of someone else's Note, actor Update of someone else ----

    [DbTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Case24_update_of_a_note_by_another_actor_changes_nothing(bool claimsAuthor)
    {
        var alice = await Node.AddRemoteActorAsync("https://a.example/users/alice");
        var eve = await Node.AddRemoteActorAsync("https://a.example/users/eve");
        await StoreNoteAsync("https://a.example/n/1", alice.Uri, "original");

        var changed = Note("https://a.example/n/1", claimsAuthor ? alice.Uri : null, "changed by eve");
        await HandleAsync("Update", Wrap("Update", eve.Uri, changed), eve);

        var row = await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Single(o => o.Uri == "https://a.example/n/1")));
        Assert.Contains("original", row.Json);
        Assert.Null(row.UpdatedAt);
    }

    [DbFact]
    public async Task Case24_twin_update_of_a_note_by_its_author_is_applied()
    {
        var alice = await Node.AddRemoteActorAsync("https://a.example/users/alice");
        await StoreNoteAsync("https://a.example/n/1", alice.Uri, "original");

        await HandleAsync("Update", Wrap("Update", alice.Uri, Note("https://a.example/n/1", alice.Uri, "changed by alice")), alice);

        var row = await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Single(o => o.Uri == "https://a.example/n/1")));
        Assert.Contains("changed by alice", row.Json);
        Assert.NotNull(row.UpdatedAt);
    }

    [DbFact]
    public async Task Case24_actor_update_whose_object_is_not_the_signer_changes_nothing()
    {
        var alice = await Node.AddRemoteActorAsync("https://a.example/users/alice");
        var eve = await Node.AddRemoteActorAsync("https://a.example/users/eve");
        var forged = new JObject { ["id"] = alice.Uri, ["type"] = "Person", ["name"] = "Hacked", ["inbox"] = "https://a.example/evil" };

        await HandleAsync("Update", Wrap("Update", eve.Uri, forged), eve);

        var row = await Node.WithDbAsync(db => Task.FromResult(db.RemoteActors.Single(a => a.Uri == alice.Uri)));
        Assert.Equal(alice.DisplayName, row.DisplayName);
        Assert.Equal(alice.Inbox, row.Inbox);
        Assert.Equal(0, await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Count())));
    }

    [DbFact]
    public async Task Case24_create_whose_object_is_on_another_origin_than_the_actor_stores_nothing()
    {
        var eve = await FollowedRemoteActorAsync("https://b.example/users/eve");
        var twin = await FollowedRemoteActorAsync("https://a.example/users/alice");

        await HandleAsync("Create", Wrap("Create", eve.Uri, Note("https://a.example/n/9", null, "spoofed")), eve);
        await HandleAsync("Create", Wrap("Create", twin.Uri, Note("https://a.example/n/10", twin.Uri, "genuine")), twin);

        var stored = await Node.WithDbAsync(db => Task.FromResult(db.RemoteObjects.Select(o => o.Uri).ToList()));
        Assert.Equal(new[] { "https://a.example/n/10" }, stored);
    }

    // ---- case 30: one activity cannot make us fetch without bound ----

    [DbFact]
    public async Task Case30_create_referencing_thousands_of_unknown_objects_stops_at_the_parent_fetch_cap()
    {
        var author = await FollowedRemoteActorAsync(Server.Url("/users/mia"));
        // An endless reply chain: every parent the node fetches answers to one more unknown parent.
        for (var k = 0; k < 50; k++)
        {
            var parent = Note(Server.Url($"/n/{k}"), author.Uri, $"level {k}");
            parent["inReplyTo"] = Server.Url($"/n/{k + 1}");
            Server.Serve($"/n/{k}", parent);
        }
        var references = new JArray(Enumerable.Range(0, 3000).Select(i => Server.Url($"/unknown/{i}")));
        var note = Note(Server.Url("/n/start"), author.Uri, "a reply deep in a thread we never saw");
        note["inReplyTo"] = Server.Url("/n/0");
        note["to"] = references;
        note["cc"] = references;
        note["tag"] = new JArray(references.Select(r => new JObject { ["type"] = "Mention", ["href"] = r }));
        note["attachment"] = new JArray(references.Select(r => new JObject { ["type"] = "Document", ["url"] = r }));

        await HandleAsync("Create", Wrap("Create", author.Uri, note), author);

        // The parent chain is walked, so the cap is what stops it (not a refusal to fetch at all)...
        Assert.Equal(FediLearn.Core.Services.ThreadService.MaxParentFetches, Server.TotalHits);
        Assert.Equal(1, Server.Hits("/n/0"));
        // ...and none of the thousands of other references is fetched.
        Assert.Equal(0, Enumerable.Range(0, 3000).Sum(i => Server.Hits($"/unknown/{i}")));
    }

    // ---- ids as long as the node stores (IriLength) ----

    [DbFact]
    public async Task A_fetched_parent_pointing_to_an_id_too_long_to_store_ends_the_walk()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        var author = await FollowedRemoteActorAsync(Server.Url("/users/mia"));
        // The grandparent's id is 2,100 bytes, and it answers the prompt.
        var longPath = new Uri(RandomHexUrl(Server.Url("/n/"), 2100)).AbsolutePath;
        var grandparent = Note(Server.Url(longPath), author.Uri, "far up the thread");
        grandparent["inReplyTo"] = prompt;
        Server.Serve(longPath, grandparent);
        var parent = Note(Server.Url("/n/parent"), author.Uri, "the parent");
        parent["inReplyTo"] = Server.Url(longPath);
        Server.Serve("/n/parent", parent);
        var reply = Note(Server.Url("/n/reply"), author.Uri, "the reply");
        reply["inReplyTo"] = Server.Url("/n/parent");

        await HandleAsync("Create", Wrap("Create", author.Uri, reply), author);

        Assert.Equal(1, Server.Hits("/n/parent"));
        Assert.Equal(0, Server.Hits(longPath)); // not fetched, so not stored (on PostgreSQL its insert would fail)
        Assert.Equal(0, await Node.WithDbAsync(db => db.Replies.CountAsync()));
    }

    [DbFact]
    public async Task A_like_of_a_reply_with_the_longest_id_by_an_actor_with_the_longest_id_is_not_an_error()
    {
        var (group, _, promptId) = await Node.AddGroupWithPromptAsync();
        var replyUri = RandomHexUrl("https://a.example/users/mia/statuses/", FediLearn.ActivityPub.Vocabulary.IriLength.MaxBytes);
        var now = DateTime.UtcNow;
        await Node.WithDbAsync(async db =>
        {
            db.Replies.Add(new Reply { Uri = replyUri, GroupId = group.Id, TopItemId = promptId, AuthorUri = "https://a.example/users/mia", AuthorHost = "a.example", ContentHtml = "<p>hi</p>", Json = "{}", PublishedAt = now, ReceivedAt = now });
            await db.SaveChangesAsync();
            return 0;
        });
        RemoteActor Signer(int bytes) => new() { Uri = RandomHexUrl("https://b.example/users/", bytes), Host = "b.example", Inbox = "https://b.example/inbox" };
        JObject Like(RemoteActor actor) => new() { ["id"] = actor.Uri + "#like", ["type"] = "Like", ["actor"] = actor.Uri, ["object"] = replyUri };

        var near = Signer(FediLearn.Core.Inbox.LikeHandler.MaxKeyBytes - replyUri.Length);
        await HandleAsync("Like", Like(near), near); // the longest pair kept: it fits the index on both providers
        var longest = Signer(FediLearn.ActivityPub.Vocabulary.IriLength.MaxBytes);
        await HandleAsync("Like", Like(longest), longest); // one more byte than the index holds on PostgreSQL: not counted, no error

        var likes = await Node.WithDbAsync(db => db.Likes.Where(l => l.ObjectUri == replyUri).Select(l => l.ActorUri).ToListAsync());
        Assert.Equal([near.Uri], likes);
    }

    /// <summary>
    /// <paramref name="head"/> followed by random hex, <paramref name="bytes"/> long. Random, because PostgreSQL compresses
    /// index entries: a repetitive id would fit where a real one of the same length does not.
    /// </summary>
    private static string RandomHexUrl(string head, int bytes) =>
        head + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes))[..(bytes - head.Length)];

    // ---- case 31: the same delivery twice has one effect ----

    [DbTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Case31_the_same_delivery_twice_is_stored_once_and_a_different_one_is_not_mistaken_for_it(bool withId)
    {
        var activity = new JObject { ["type"] = "Like", ["actor"] = "https://a.example/users/eve", ["object"] = $"{TestNode.PublicUrl}/g/circle/posts/1" };
        if (withId) activity["id"] = "https://a.example/likes/1";
        var other = (JObject)activity.DeepClone();
        if (withId) other["id"] = "https://a.example/likes/2";
        else other["object"] = $"{TestNode.PublicUrl}/g/circle/posts/2";

        var first = await ReceiveAsync(activity);
        var replay = await ReceiveAsync(activity);
        var different = await ReceiveAsync(other);

        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Queued, first);
        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Duplicate, replay);
        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Queued, different);
        Assert.Equal(2, await Node.WithDbAsync(db => Task.FromResult(db.InboxItems.Count())));
    }

    /// <summary>
    /// Replays are recognised by id, and ids are not checked against anything before that: a signer could send an
    /// activity under the id another server is about to use (Mastodon's Deletes are <c>…/statuses/1#delete</c>), and the
    /// real one was then dropped as a replay, leaving the reply it deletes in the thread.
    /// </summary>
    [DbFact]
    public async Task Case31_an_id_on_another_servers_origin_cannot_be_claimed_ahead_of_that_server()
    {
        const string Eve = "https://a.example/users/eve", Ana = "https://b.example/users/ana";
        const string Id = Ana + "/statuses/1#delete";
        var squat = new JObject { ["id"] = Id, ["type"] = "Delete", ["actor"] = Eve, ["object"] = Eve + "/statuses/9" };
        var real = new JObject { ["id"] = Id, ["type"] = "Delete", ["actor"] = Ana, ["object"] = Ana + "/statuses/1" };

        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Queued, await ReceiveAsync(squat, Eve));
        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Duplicate, await ReceiveAsync(squat, Eve)); // still one effect for her
        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Queued, await ReceiveAsync(real, Ana));
        Assert.Equal(FediLearn.Core.Inbox.ReceiveOutcome.Duplicate, await ReceiveAsync(real, Ana));
        Assert.Equal([Eve, Ana], await Node.WithDbAsync(db => db.InboxItems.OrderBy(i => i.ActorUri).Select(i => i.ActorUri).ToListAsync()));
    }

    private Task<FediLearn.Core.Inbox.ReceiveOutcome> ReceiveAsync(JObject activity) => ReceiveAsync(activity, "https://a.example/users/eve");

    private async Task<FediLearn.Core.Inbox.ReceiveOutcome> ReceiveAsync(JObject activity, string signer)
    {
        await using var scope = Node.Scope();
        var receiver = scope.ServiceProvider.GetRequiredService<FediLearn.Core.Inbox.InboxReceiver>();
        var json = activity.ToString(Newtonsoft.Json.Formatting.None);
        return await receiver.ReceiveAsync(FediLearn.ActivityPub.Json.ActivityJson.Parse(json), json, signer, CancellationToken.None);
    }

    private async Task HandleAsync(string type, JObject activity, RemoteActor signer)
    {
        await using var scope = Node.Scope();
        var handler = scope.ServiceProvider.GetServices<FediLearn.Core.Inbox.IActivityHandler>().Single(h => h.Type == type);
        await handler.HandleAsync(new FediLearn.Core.Inbox.InboxContext(activity, signer), CancellationToken.None);
    }

    /// <summary>A remote actor one of our members follows (accepted), so its Creates and Announces are kept for timelines.</summary>
    private async Task<RemoteActor> FollowedRemoteActorAsync(string uri)
    {
        var member = (await Node.WithDbAsync(db => Task.FromResult(db.LocalActors.FirstOrDefault(a => a.Kind == ActorKind.Person))))
            ?? await Node.AddActorAsync(ActorKind.Person, "bo");
        var remote = await Node.AddRemoteActorAsync(uri);
        await Node.WithDbAsync(db =>
        {
            db.Followings.Add(new Following
            {
                LocalActorId = member.Id,
                RemoteActorId = remote.Id,
                FollowActivityId = $"{TestNode.PublicUrl}/follows/{Guid.NewGuid():N}",
                State = FollowState.Accepted,
                CreatedAt = DateTime.UtcNow,
            });
            return db.SaveChangesAsync();
        });
        return remote;
    }

    private Task StoreNoteAsync(string id, string author, string content) => Node.WithDbAsync(db =>
    {
        db.RemoteObjects.Add(new RemoteObject
        {
            Uri = id,
            Type = "Note",
            AttributedTo = author,
            Json = Note(id, author, content).ToString(),
            ReceivedAt = DateTime.UtcNow,
        });
        return db.SaveChangesAsync();
    });

    private static JObject Note(string id, string? author, string content)
    {
        var note = new JObject { ["id"] = id, ["type"] = "Note", ["content"] = $"<p>{content}</p>" };
        if (author is not null) note["attributedTo"] = author;
        return note;
    }

    private static JObject Wrap(string type, string actor, JObject obj) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = $"{actor}/activities/{Guid.NewGuid():N}",
        ["type"] = type,
        ["actor"] = actor,
        ["object"] = obj,
    };

    /// <summary>security.md case 23: attacker.example announces a Create carrying its own copy of victim.example's note.</summary>
    private static JObject EmbeddedAnnounce(string attacker, string noteId, string victimActor, string fakeContent) =>
        Wrap("Announce", attacker, Wrap("Create", victimActor, Note(noteId, victimActor, fakeContent)));

    // ---- helpers ----

    private static async Task<AuthenticationResult> AuthenticateAsync(TestNode node, SignedRequest request)
    {
        await using var scope = node.Scope();
        return await scope.ServiceProvider.GetRequiredService<SignatureAuthenticator>().AuthenticateAsync(request, CancellationToken.None);
    }

    /// <summary>eve on the key server with a fresh key listed as her own (keyId <c>#main-key</c>).</summary>
    private (string Actor, string PrivatePem) ServeEve()
    {
        var (privatePem, publicPem) = KeyGenerator.NewRsa2048();
        var actor = Server.Url("/users/eve");
        Server.Serve("/users/eve", Actor(actor, actor + "#main-key", actor, publicPem));
        return (actor, privatePem);
    }

    /// <summary>Blocks the key server's domain straight in the database, as another process (the CLI) would.</summary>
    private Task BlockLoopbackAsync() => Node.WithDbAsync(db =>
    {
        db.DomainBlocks.Add(new DomainBlock { Domain = "127.0.0.1", CreatedAt = DateTime.UtcNow });
        return db.SaveChangesAsync();
    });

    /// <summary>The inbox endpoint's call: keys held in memory are used, the block list is left to the intake.</summary>
    private static async Task<AuthenticationResult> AuthenticateForInboxAsync(TestNode node, SignedRequest request)
    {
        await using var scope = node.Scope();
        return await scope.ServiceProvider.GetRequiredService<SignatureAuthenticator>().AuthenticateAsync(request, blocksCheckedLater: true, CancellationToken.None);
    }

    private static Task<int> CachedActorsAsync(TestNode node) =>
        node.WithDbAsync(db => Task.FromResult(db.RemoteActors.Count()));

    /// <summary>A Follow from <paramref name="actor"/> to a group inbox, signed the way Mastodon signs (draft-cavage).</summary>
    private static SignedRequest SignedPost(string keyId, string privatePem, string actor)
    {
        var uri = new Uri($"{TestNode.PublicUrl}/g/circle/inbox");
        var body = Encoding.UTF8.GetBytes(new JObject
        {
            ["id"] = actor + "/follows/" + Guid.NewGuid().ToString("N"),
            ["type"] = "Follow",
            ["actor"] = actor,
            ["object"] = $"{TestNode.PublicUrl}/g/circle",
        }.ToString());
        using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
        using var key = SigningKey.FromPem(keyId, privatePem);
        HttpSignatureSigner.SignDraftCavage(message, body, key, DateTimeOffset.UtcNow);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in message.Headers) headers[name] = string.Join(", ", values);
        foreach (var (name, values) in message.Content.Headers) headers[name] = string.Join(", ", values);
        return new SignedRequest("POST", uri, headers, body);
    }

    private static JObject Actor(string id, string keyId, string keyOwner, string publicPem) => new()
    {
        ["@context"] = new JArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
        ["id"] = id,
        ["type"] = "Person",
        ["preferredUsername"] = "eve",
        ["inbox"] = id + "/inbox",
        ["outbox"] = id + "/outbox",
        ["publicKey"] = new JObject { ["id"] = keyId, ["owner"] = keyOwner, ["publicKeyPem"] = publicPem },
    };

    private static JObject Key(string id, string owner, string publicPem) => new()
    {
        ["@context"] = "https://w3id.org/security/v1",
        ["id"] = id,
        ["type"] = "Key",
        ["owner"] = owner,
        ["publicKeyPem"] = publicPem,
    };

    /// <summary>A remote origin on 127.0.0.1:0 serving scripted ActivityPub documents and counting every request per path.</summary>
    private sealed class KeyServer : LoopbackServer
    {
        private readonly ConcurrentDictionary<string, string> _documents = new();

        public string Url(string path) => Origin + path;
        public void Serve(string path, JObject document) => _documents[path] = document.ToString();

        public static async Task<KeyServer> StartAsync()
        {
            var server = new KeyServer();
            await server.ListenAsync();
            return server;
        }

        /// <summary>How long each answer waits before it is sent: a slow remote server.</summary>
        public TimeSpan Delay { get; set; }

        protected override async Task HandleAsync(HttpContext context)
        {
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
            await (_documents.TryGetValue(context.Request.Path.Value ?? "/", out var json)
                ? Results.Text(json, "application/activity+json").ExecuteAsync(context)
                : Results.NotFound().ExecuteAsync(context));
        }
    }
}

public sealed class SecurityCasesTestsOnPostgres : SecurityCasesTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
