using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A reply whose parent is gone (a deleted group object, a reply its author deleted or a facilitator removed, or a reply
/// in the thread of a deleted group object) has no thread to join: it is neither stored nor relayed by the group, and a
/// Mention of the group does not make it a thread of its own. The twin: a post that mentions the group and answers
/// nothing of ours is still a thread of its own.
/// </summary>
public class RepliesToDeletedThingsTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Bo = "https://bo.example/users/bo";
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";
    private const string GroupUrl = TestNode.PublicUrl + "/g/circle";

    /// <summary>
    /// A reply directly to a deleted prompt was refused (the thread is gone: its context answers 410), but a reply to a
    /// reply in that same deleted thread was still stored in it and relayed by the group to every follower: the stored
    /// parent's top item was taken without looking at its DeletedAt (ThreadService.FindByParentAsync).
    /// </summary>
    [DbFact]
    public async Task A_reply_inside_the_thread_of_a_deleted_prompt_is_neither_stored_nor_relayed()
    {
        var (group, prompt, promptId) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await ApplyAsync(Create(Mia, 1, prompt, "An answer before the prompt was deleted."));
        await DeleteItemAsync(group, promptId);

        await ApplyAsync(Create(Bo, 2, prompt, "Straight to the deleted prompt.")); // the twin: refused
        await ApplyAsync(Create(Bo, 3, $"{Mia}/statuses/1", "To a reply in the deleted thread."));

        Assert.Empty(await Node.WithDbAsync(db => db.Replies.Where(r => r.AuthorUri == Bo).Select(r => r.Uri).ToListAsync()));
        Assert.Empty(await RelayedAsync(Bo));
        await AssertInboxAllDoneAsync();
    }

    /// <summary>
    /// An answer to a deleted prompt, to a reply in its thread, to a reply its author deleted or to one a facilitator
    /// removed, that Mention-tags the group (as Mastodon replies in a relayed thread do), fell back to the Mention and
    /// became a thread of its own, stored and relayed by the group: what was deleted came back into the group's relay.
    /// The twin, a post mentioning the group in answer to nothing of ours, is still taken and relayed.
    /// </summary>
    [DbFact]
    public async Task A_reply_to_something_deleted_or_removed_that_mentions_the_group_is_not_a_thread_of_its_own()
    {
        var (group, prompt, promptId) = await Node.AddGroupWithPromptAsync();
        var livePrompt = await AddPromptAsync(group);
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await Node.AddFollowersAsync(group, "https://f.example/users/f1");
        await ApplyAsync(Create(Mia, 1, prompt, "In the thread of a prompt deleted next."));
        await ApplyAsync(Create(Mia, 2, livePrompt, "Deleted by its author next."));
        await ApplyAsync(Create(Mia, 3, livePrompt, "Removed by a facilitator next."));
        await DeleteItemAsync(group, promptId);
        await ApplyAsync(new JObject
        {
            ["id"] = $"{Mia}/statuses/2#delete", ["type"] = "Delete", ["actor"] = Mia, ["to"] = new JArray(Public),
            ["object"] = new JObject { ["id"] = $"{Mia}/statuses/2", ["type"] = "Tombstone" },
        });
        await using (var scope = Node.Scope())
            await scope.ServiceProvider.GetRequiredService<ModerationService>().RemoveReplyAsync(group.Name, $"{Mia}/statuses/3", null, "off topic", default);

        await ApplyAsync(Create(Bo, 11, prompt, "To the deleted prompt.", mentionGroup: true));
        await ApplyAsync(Create(Bo, 12, $"{Mia}/statuses/1", "In the deleted prompt's thread.", mentionGroup: true));
        await ApplyAsync(Create(Bo, 13, $"{Mia}/statuses/2", "To the deleted reply.", mentionGroup: true));
        await ApplyAsync(Create(Bo, 14, $"{Mia}/statuses/3", "To the removed reply.", mentionGroup: true));
        await ApplyAsync(Create(Bo, 15, null, "A new question for the group.", mentionGroup: true)); // the twin: taken

        Assert.Equal([$"{Bo}/statuses/15"], await Node.WithDbAsync(db => db.Replies.Where(r => r.AuthorUri == Bo).Select(r => r.Uri).ToListAsync()));
        Assert.Single(await RelayedAsync(Bo));
        await AssertInboxAllDoneAsync();
    }

    /// <summary>Another published prompt of the group, by ana (its facilitator): its URL.</summary>
    private async Task<string> AddPromptAsync(LocalActor group)
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var ana = await db.LocalActors.AsNoTracking().SingleAsync(a => a.Kind == ActorKind.Person && a.Name == "ana");
        var prompt = await scope.ServiceProvider.GetRequiredService<PublishingService>()
            .CreateAsync(group, ana, ItemKind.Prompt, new ItemInput { Content = "What is still unclear?" }, default);
        return scope.ServiceProvider.GetRequiredService<FediLearn.Core.Federation.ActorUrls>().Item(group.Name, ItemKind.Prompt, prompt.Id);
    }

    private async Task DeleteItemAsync(LocalActor group, long id)
    {
        await using var scope = Node.Scope();
        var db = scope.ServiceProvider.GetRequiredService<FediLearnDbContext>();
        var item = await db.GroupItems.SingleAsync(i => i.Id == id);
        Assert.True(await scope.ServiceProvider.GetRequiredService<PublishingService>().DeleteAsync(group, item, default));
    }

    private static JObject Create(string author, int n, string? inReplyTo, string text, bool mentionGroup = false)
    {
        var note = new JObject
        {
            ["id"] = $"{author}/statuses/{n}", ["type"] = "Note", ["attributedTo"] = author,
            ["to"] = new JArray(Public), ["content"] = $"<p>{text}</p>",
        };
        if (inReplyTo is not null) note["inReplyTo"] = inReplyTo;
        if (mentionGroup) note["tag"] = new JArray(new JObject { ["type"] = "Mention", ["href"] = GroupUrl, ["name"] = "@circle@coop.example" });
        return new JObject
        {
            ["id"] = $"{author}/statuses/{n}/activity", ["type"] = "Create", ["actor"] = author,
            ["to"] = new JArray(Public), ["object"] = note,
        };
    }

    /// <summary>Received as the inbox endpoint stores it, then applied by the inbox worker.</summary>
    private async Task ApplyAsync(JObject activity)
    {
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, ActivityJson.GetId(activity["actor"])!));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
    }


}

public sealed class RepliesToDeletedThingsTestsOnPostgres : RepliesToDeletedThingsTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
