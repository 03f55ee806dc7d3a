using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// What an admin types or pastes at the CLI reaches the services as it is: padded, in Unicode, with a port. The services
/// store and look it up in the one form the rest of the node compares with, or refuse it with a message; never store
/// something that silently matches nothing.
/// </summary>
public class PastedInputTests : NodeTest
{
    private const string Mia = "https://mastodon.example/users/mia";

    /// <summary>Until 2026-12-07 `users add --email " ana@example.org"` stored the spaces: login by e-mail and the duplicate check missed it.</summary>
    [DbFact]
    public async Task A_padded_email_is_stored_trimmed_and_a_padded_duplicate_is_refused()
    {
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<UserService>().AddAsync("ana", " ana@example.org ", "correct horse battery", default);
        Assert.Equal("ana@example.org", await Node.WithDbAsync(db => db.Users.Where(u => u.UserName == "ana").Select(u => u.Email).SingleAsync()));

        await using (var scope = Node.Scope())
        {
            var e = await Assert.ThrowsAsync<FediLearnException>(() =>
                scope.ServiceProvider.GetRequiredService<UserService>().AddAsync("ana2", "  ANA@example.org", "correct horse battery", default));
            Assert.Equal("an account with the e-mail ANA@example.org already exists", e.Message);
        }
    }

    /// <summary>
    /// SignatureAuthenticator compares a block with the signer's IdnHost (punycode, no port). A block with a port was
    /// stored and never matched; one in Unicode was stored in Unicode and never matched either. Both said "Blocked".
    /// </summary>
    [DbFact]
    public async Task A_domain_block_with_a_port_is_refused_and_a_Unicode_one_is_stored_as_punycode()
    {
        await using var scope = Node.Scope();
        var blocks = scope.ServiceProvider.GetRequiredService<DomainBlockService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        var port = await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync("spam.example:8080", null, default));
        Assert.Equal("\"spam.example:8080\" has a port: a block covers a whole domain on every port, so give the domain alone (spam.example)", port.Message);
        Assert.Empty(await blocks.ListAsync(default));

        Assert.Equal("xn--bcher-kva.example", await blocks.BlockAsync(" Bücher.example. ", null, default));
        Assert.True(await SignatureAuthenticator.IsBlockedAsync(db, new Uri("https://bücher.example/users/x").IdnHost, default));
        Assert.True(await SignatureAuthenticator.IsBlockedAsync(db, new Uri("https://www.bücher.example:8443/users/x").IdnHost, default));
        await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync("xn--bcher-kva.example", null, default)); // already blocked
        Assert.Equal("xn--bcher-kva.example", await blocks.UnblockAsync("bücher.example", default));
        Assert.Empty(await blocks.ListAsync(default));
    }

    /// <summary>
    /// A server at an IPv6 address signs as host "2001:db8::1" (Uri.IdnHost: no brackets, compressed, lower case). A block
    /// written as a URL host ("[2001:DB8::1]") or spelt out in full was stored as typed and never matched.
    /// </summary>
    [DbFact]
    public async Task A_domain_block_of_an_IPv6_address_matches_however_the_address_was_written()
    {
        await using var scope = Node.Scope();
        var blocks = scope.ServiceProvider.GetRequiredService<DomainBlockService>();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();

        Assert.Equal("2001:db8::1", await blocks.BlockAsync(" [2001:DB8::1] ", null, default));
        Assert.True(await SignatureAuthenticator.IsBlockedAsync(db, new Uri("https://[2001:db8::1]:8443/users/x").IdnHost, default));
        Assert.Equal("2001:db8::2", await blocks.BlockAsync("2001:0db8:0000:0000:0000:0000:0000:0002", null, default));
        Assert.True(await SignatureAuthenticator.IsBlockedAsync(db, new Uri("https://[2001:db8::2]/users/x").IdnHost, default));
        Assert.False(await SignatureAuthenticator.IsBlockedAsync(db, new Uri("https://[2001:db8::3]/users/x").IdnHost, default));
        await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync("2001:db8:0::1", null, default)); // already blocked
        var port = await Assert.ThrowsAsync<FediLearnException>(() => blocks.BlockAsync("[2001:db8::4]:8080", null, default));
        Assert.Contains("has a port", port.Message);
        Assert.Equal("2001:db8::1", await blocks.UnblockAsync("[2001:db8::1]", default));
        Assert.Equal(["2001:db8::2"], (await blocks.ListAsync(default)).Select(b => b.Domain));
    }

    /// <summary>Ids pasted with a space around them (copied from a list or a browser) find the row they name.</summary>
    [DbFact]
    public async Task Pasted_ids_with_spaces_find_their_follower_following_rsvp_and_reply()
    {
        var (group, prompt, promptId) = await Node.AddGroupWithPromptAsync();
        await Node.AddFollowersAsync(group, Mia);
        var followJson = $$"""{"@context":"https://www.w3.org/ns/activitystreams","id":"{{Mia}}#follow","type":"Follow","actor":"{{Mia}}","object":"https://coop.example/g/circle"}""";
        await Node.WithDbAsync(db => db.Followers.ExecuteUpdateAsync(u => u.SetProperty(f => f.FollowJson, followJson)));
        var ana = await Node.WithDbAsync(db => db.LocalActors.SingleAsync(a => a.Name == "ana"));
        var lea = "https://lemmy.example/u/lea";
        var remote = await Node.AddRemoteActorAsync(lea);
        await Node.WithDbAsync(db =>
        {
            db.Followings.Add(new Following { LocalActorId = ana.Id, RemoteActorId = remote.Id, FollowActivityId = "https://coop.example/a/1", State = FollowState.Accepted, CreatedAt = DateTime.UtcNow });
            db.Replies.Add(new Reply
            {
                Uri = lea + "/comment/1", GroupId = group.Id, TopItemId = promptId, InReplyTo = prompt, AuthorUri = lea, AuthorHost = "lemmy.example",
                ContentHtml = "<p>spam</p>", Json = "{}", PublishedAt = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow,
            });
            return db.SaveChangesAsync();
        });

        await using (var scope = Node.Scope())
        {
            await scope.ServiceProvider.GetRequiredService<FollowerService>().RemoveAsync("circle", $" {Mia}\t", default);
            await scope.ServiceProvider.GetRequiredService<FollowingService>().UnfollowAsync("ana", $"{lea} ", default);
            await scope.ServiceProvider.GetRequiredService<ModerationService>().ReportRemoteAsync("circle", $" {lea}/comment/1 ", null, null, default);
        }
        Assert.Equal(0, await Node.WithDbAsync(db => db.Followers.CountAsync()));
        Assert.Equal(0, await Node.WithDbAsync(db => db.Followings.CountAsync()));

        // A local member's pending RSVP (no remote answer to send): refused by a facilitator who pasted the id.
        var start = DateTime.UtcNow.AddDays(3).Date.AddHours(18);
        GroupItem session;
        await using (var scope = Node.Scope())
            session = await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Session, new ItemInput
            {
                Title = "Live", Content = "Ownership", StartsAt = start, EndsAt = start.AddHours(1), Timezone = "Europe/Amsterdam", JoinUrl = "https://meet.example/x",
            }, default);
        var anaUri = Node.Services.GetRequiredService<ActorUrls>().Actor(ana);
        await Node.WithDbAsync(db =>
        {
            db.Rsvps.Add(new Rsvp { SessionId = session.Id, ActorUri = anaUri, Status = RsvpStatus.Pending, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<RsvpService>().DecideAsync(session, group, $" {anaUri} ", approve: false, default);
        Assert.Equal(0, await Node.WithDbAsync(db => db.Rsvps.CountAsync()));
    }
}
