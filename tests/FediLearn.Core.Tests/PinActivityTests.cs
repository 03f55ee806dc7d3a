using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A pinned material is also an <c>Add</c> to the group's featured collection (unpinned: <c>Remove</c>), as Mastodon
/// sends and applies pins: when a scheduled material is published, only what followers may see, and none for a deletion.
/// </summary>
public class PinActivityTests : NodeTest
{
    [DbFact]
    public async Task A_scheduled_pinned_material_sends_its_Add_when_it_is_published_and_none_when_it_is_deleted()
    {
        var (group, ana) = await SetUpAsync(membersOnly: false);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        GroupItem material;
        await using (var scope = Node.Scope())
        {
            material = await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Material,
                new ItemInput { Title = "Syllabus", Content = "Read it.", Pinned = true, PublishAt = DateTimeOffset.UtcNow.AddSeconds(1) }, default);
        }
        Assert.Empty(await ActivitiesAsync(group)); // scheduled: nothing sent, so nothing pinned yet

        await Task.Delay(1200);
        await using (var scope = Node.Scope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PublishingService>().PublishDueAsync(default));
        var sent = await ActivitiesAsync(group);
        Assert.Equal(["Create", "Add"], sent.Select(a => a.Value<string>("type")));
        var add = sent[1];
        Assert.Equal(urls.Item("rust", ItemKind.Material, material.Id), add.Value<string>("object"));
        Assert.Equal($"{urls.Actor(group)}/featured", add.Value<string>("target"));
        Assert.Equal(urls.Actor(group), add.Value<string>("actor"));
        Assert.Contains("https://www.w3.org/ns/activitystreams#Public", add["to"]!.Values<string>());

        await using (var scope = Node.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
            var item = await db.GroupItems.FirstAsync(i => i.Id == material.Id);
            Assert.True(await scope.ServiceProvider.GetRequiredService<PublishingService>().DeleteAsync(group, item, default));
        }
        Assert.Equal(["Create", "Add", "Delete"], (await ActivitiesAsync(group)).Select(a => a.Value<string>("type")));
    }

    [DbFact]
    public async Task A_members_only_group_s_Add_is_for_its_followers_only()
    {
        var (group, ana) = await SetUpAsync(membersOnly: true);
        var urls = Node.Services.GetRequiredService<ActorUrls>();
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Material,
                new ItemInput { Title = "Syllabus", Content = "Read it.", Pinned = true }, default);

        var add = Assert.Single(await ActivitiesAsync(group), a => a.Value<string>("type") == "Add");
        Assert.Equal([urls.Followers(group)], add["to"]!.Values<string>());
        Assert.DoesNotContain("Public", add.ToString());
        Assert.False(await Node.WithDbAsync(db => db.OutboundActivities.Where(a => a.Type == "Add").Select(a => a.IsPublic).SingleAsync()));
    }

    private Task<List<JObject>> ActivitiesAsync(LocalActor group) => Node.WithDbAsync(async db =>
        (await db.OutboundActivities.AsNoTracking().Where(a => a.ActorId == group.Id).OrderBy(a => a.Id).Select(a => a.Json).ToListAsync())
        .Select(JObject.Parse).ToList());

    /// <summary>ana and her group "rust", made members-only through its settings when asked (which sends its Update).</summary>
    private async Task<(LocalActor Group, LocalActor Ana)> SetUpAsync(bool membersOnly)
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var group = await Node.AddActorAsync(ActorKind.Group, "rust");
        if (!membersOnly) return (group, ana);
        await using var scope = Node.Scope();
        await scope.ServiceProvider.GetRequiredService<GroupService>().UpdateSettingsAsync("rust",
            new GroupSettings("Rust", null, false, PostingPolicy.Open, null, null, null, MembersOnly: true), default);
        return (await scope.ServiceProvider.GetRequiredService<FediLearnDbContext>().LocalActors.AsNoTracking().SingleAsync(a => a.Id == group.Id), ana);
    }
}
