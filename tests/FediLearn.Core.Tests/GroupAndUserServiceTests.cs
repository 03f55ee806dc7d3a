using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>Groups and members through the real service provider: one namespace, valid names, hashed passwords.</summary>
public class GroupAndUserServiceTests : NodeTest
{
    private const string GoodPassword = "correct horse battery";

    [DbFact]
    public async Task Group_name_taken_by_a_member_is_refused()
    {
        await AddUserAsync("alice", "alice@coop.example");
        var e = await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync("alice"));
        Assert.Contains("already taken", e.Message);
        Assert.Equal(0, await CountAsync(db => db.LocalActors.CountAsync(a => a.Kind == ActorKind.Group)));
    }

    [DbFact]
    public async Task Member_name_taken_by_a_group_is_refused_and_no_account_is_left_behind()
    {
        await AddGroupAsync("rust_circle");
        var e = await Assert.ThrowsAsync<FediLearnException>(() => AddUserAsync("rust_circle", "rc@coop.example"));
        Assert.Contains("already taken", e.Message);
        Assert.Equal(0, await CountAsync(db => db.Users.CountAsync()));
    }

    /// <summary>
    /// WebFinger gives <c>acct:coop.example@coop.example</c> to the instance actor (Lemmy looks it up so): a group or member
    /// of that name could never be found, so the name is refused. The twin, a name that only contains the host, is fine.
    /// </summary>
    [DbFact]
    public async Task The_nodes_own_host_name_is_refused_for_a_group_or_a_member()
    {
        var group = await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync("coop.example"));
        Assert.Contains("host name", group.Message);
        var member = await Assert.ThrowsAsync<FediLearnException>(() => AddUserAsync("coop.example", "c@coop.example"));
        Assert.Contains("host name", member.Message);
        await AddGroupAsync("coop.example.circle");
        Assert.Equal(["coop.example.circle"], await Node.WithDbAsync(db => db.LocalActors.Where(a => a.Kind != ActorKind.Application).Select(a => a.Name).ToListAsync()));
    }

    [DbFact]
    public async Task Second_group_with_the_same_name_is_refused()
    {
        await AddGroupAsync("rust_circle");
        await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync("rust_circle"));
        Assert.Equal(1, await CountAsync(db => db.LocalActors.CountAsync(a => a.Name == "rust_circle")));
    }

    [DbTheory]
    [InlineData("Rust")]
    [InlineData("-rust")]
    [InlineData("admin")]
    [InlineData("instance.actor")]
    public async Task Invalid_names_are_refused_for_groups_and_members(string name)
    {
        var group = await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync(name));
        Assert.Equal(NameRules.Validate(name), group.Message);
        var user = await Assert.ThrowsAsync<FediLearnException>(() => AddUserAsync(name, "x@coop.example"));
        Assert.Equal(NameRules.Validate(name), user.Message);
        Assert.Equal(0, await CountAsync(db => db.Users.CountAsync()));
        Assert.Equal(1, await CountAsync(db => db.LocalActors.CountAsync())); // only the instance actor
    }

    [DbFact]
    public async Task Facilitator_must_be_an_existing_member()
    {
        var e = await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync("rust_circle", facilitator: "nobody"));
        Assert.Contains("nobody", e.Message);
        Assert.Equal(0, await CountAsync(db => db.LocalActors.CountAsync(a => a.Name == "rust_circle")));
    }

    [DbFact]
    public async Task Facilitator_cannot_be_a_group()
    {
        await AddGroupAsync("other_group");
        await Assert.ThrowsAsync<FediLearnException>(() => AddGroupAsync("rust_circle", facilitator: "other_group"));
    }

    [DbFact]
    public async Task Group_with_an_existing_facilitator_lists_them()
    {
        await AddUserAsync("alice", "alice@coop.example");
        await AddGroupAsync("rust_circle", facilitator: "alice", approval: true);
        await using var scope = Node.Scope();
        var view = Assert.Single(await scope.ServiceProvider.GetRequiredService<GroupService>().ListAsync(default));
        Assert.Equal("rust_circle", view.Name);
        Assert.True(view.RequiresApproval);
        Assert.Equal(["alice"], view.Facilitators);
    }

    [DbFact]
    public async Task Member_password_is_stored_as_a_verifiable_hash_only()
    {
        var person = await AddUserAsync("alice", "alice@coop.example");
        Assert.Equal(ActorKind.Person, person.Kind);

        await using var scope = Node.Scope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByNameAsync("alice");
        Assert.NotNull(user);
        Assert.Equal(user.Id, person.UserId);
        Assert.False(string.IsNullOrEmpty(user.PasswordHash));
        Assert.DoesNotContain(GoodPassword, user.PasswordHash);
        Assert.True(await users.CheckPasswordAsync(user, GoodPassword));
        Assert.False(await users.CheckPasswordAsync(user, GoodPassword + "!"));

        // Nowhere in the database file, not just not in the hash column (the SQLite file can be read whole).
        if (Node.Provider != TestProvider.Sqlite) return;
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        var bytes = await File.ReadAllBytesAsync(Node.DatabaseFile);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(GoodPassword)));
    }

    [DbFact]
    public async Task Too_short_password_fails_with_Identitys_message_and_creates_nothing()
    {
        var e = await Assert.ThrowsAsync<FediLearnException>(() => AddUserAsync("alice", "alice@coop.example", "short"));
        Assert.Contains("Passwords must be at least 10 characters.", e.Message);
        Assert.Equal(0, await CountAsync(db => db.Users.CountAsync()));
        Assert.Equal(0, await CountAsync(db => db.LocalActors.CountAsync(a => a.Name == "alice")));
    }

    [DbFact]
    public async Task Duplicate_email_is_refused()
    {
        await AddUserAsync("alice", "alice@coop.example");
        var e = await Assert.ThrowsAsync<FediLearnException>(() => AddUserAsync("alice2", "ALICE@coop.example"));
        Assert.Contains("e-mail", e.Message);
    }

    /// <summary>
    /// Every facilitator of a group removed at the same moment (admins at the CLI, stewards on the settings page): all
    /// but one go, and the last stays. Until 2026-12-06 each removal counted the facilitators before the others had
    /// deleted their rows, so all of them could pass the count and leave the group with nobody to run it.
    /// </summary>
    [DbFact]
    public async Task Facilitators_removed_at_the_same_moment_leave_the_last_one()
    {
        var names = Enumerable.Range(0, 12).Select(i => $"steward{i}").ToList();
        foreach (var name in names) await Node.AddActorAsync(ActorKind.Person, name);
        // A few groups one after the other: one race alone can come out right by chance.
        for (var round = 0; round < 4; round++)
        {
            var groupName = $"circle{round}";
            var group = await AddGroupAsync(groupName);
            await using (var scope = Node.Scope())
            {
                var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
                foreach (var name in names) await groups.AddFacilitatorAsync(groupName, name, null, default);
            }
            using var start = new ManualResetEventSlim();
            // Each on a thread of its own, not the pool's (whose few threads would take the removals nearly one by one).
            var running = names.Select(name => Task.Factory.StartNew(async () =>
            {
                start.Wait();
                await using var scope = Node.Scope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<GroupService>().RemoveFacilitatorAsync(groupName, name, null, default);
                    return "removed";
                }
                catch (FediLearnException e) { return e.Message; }
            }, TaskCreationOptions.LongRunning).Unwrap()).ToList();
            start.Set();
            var outcomes = await Task.WhenAll(running);
            Assert.Equal(1, await CountAsync(db => db.GroupFacilitators.CountAsync(f => f.GroupId == group.Id)));
            Assert.Equal(11, outcomes.Count(o => o == "removed"));
            Assert.Contains($"is the last facilitator of {groupName}", Assert.Single(outcomes, o => o != "removed"));
        }
    }

    /// <summary>
    /// A group is created with the limits its settings are saved with, counted as stored (trimmed): a summary over 2,000
    /// characters was created (the CLI's <c>groups add --summary</c>), and every later save of the settings refused it.
    /// </summary>
    [DbFact]
    public async Task A_group_is_created_within_the_limits_its_settings_are_saved_with()
    {
        await using (var scope = Node.Scope())
        {
            var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
            var e = await Assert.ThrowsAsync<FediLearnException>(() => groups.AddAsync("long", "Long", new string('s', GroupService.MaxSummaryLength + 1), false, null, default));
            Assert.Equal("the summary is longer than 2000 characters", e.Message);
            var group = await groups.AddAsync("padded", $" {new string('t', 200)} ", $"  {new string('s', GroupService.MaxSummaryLength)}\n", false, null, default);
            Assert.Equal(GroupService.MaxSummaryLength, group.Summary!.Length);
            await groups.UpdateSettingsAsync("padded", new GroupSettings(group.DisplayName, group.Summary, false, PostingPolicy.Open, null, null, null), default); // saved unchanged: no refusal
        }
        Assert.Equal(1, await CountAsync(db => db.LocalActors.CountAsync(a => a.Kind == ActorKind.Group)));
    }

    private async Task<LocalActor> AddGroupAsync(string name, string? facilitator = null, bool approval = false)
    {
        await using var scope = Node.Scope();
        return await scope.ServiceProvider.GetRequiredService<GroupService>()
            .AddAsync(name, "A group", "About it", approval, facilitator, default);
    }

    private async Task<LocalActor> AddUserAsync(string name, string email, string password = GoodPassword)
    {
        await using var scope = Node.Scope();
        return await scope.ServiceProvider.GetRequiredService<UserService>().AddAsync(name, email, password, default);
    }

    private Task<int> CountAsync(Func<FediLearnDbContext, Task<int>> count) => Node.WithDbAsync(count);
}
