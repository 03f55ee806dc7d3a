using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Undo{Follow} and Undo{Like} (FEDERATION.md): what is undone is matched by (actor, object) or by the undone
/// activity's id, and only ever the Undo's signer's own follow or like.
/// </summary>
public class UndoMatchingTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";
    private const string Bo = "https://bo.example/users/bo";
    private const string GroupUrl = TestNode.PublicUrl + "/g/circle";

    /// <summary>
    /// FEDERATION.md: Undo{Follow} "removes the follow, matched by (actor, object) even when the Follow id differs, or by
    /// the Follow id". An Undo embedding the Follow with its id but without an object we can read was not matched by id:
    /// UndoHandler returned as soon as the embedded Follow's object was unreadable. The twin: the same Undo signed by
    /// someone else removes nothing.
    /// </summary>
    [DbFact]
    public async Task Undo_of_a_follow_is_matched_by_the_follow_id_when_its_embedded_object_is_missing()
    {
        await Node.AddActorAsync(ActorKind.Group, "circle");
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await ApplyAsync(new JObject { ["id"] = $"{Mia}#follows/1", ["type"] = "Follow", ["actor"] = Mia, ["object"] = GroupUrl });
        Assert.Equal(1, await Node.WithDbAsync(db => db.Followers.CountAsync(f => f.ActorUri == Mia)));

        await ApplyAsync(new JObject // the twin: bo cannot undo mia's follow
        {
            ["id"] = $"{Bo}#undo/1", ["type"] = "Undo", ["actor"] = Bo,
            ["object"] = new JObject { ["id"] = $"{Mia}#follows/1", ["type"] = "Follow" },
        });
        Assert.Equal(1, await Node.WithDbAsync(db => db.Followers.CountAsync(f => f.ActorUri == Mia)));

        await ApplyAsync(new JObject
        {
            ["id"] = $"{Mia}#follows/1/undo", ["type"] = "Undo", ["actor"] = Mia,
            ["object"] = new JObject { ["id"] = $"{Mia}#follows/1", ["type"] = "Follow", ["actor"] = Mia },
        });

        Assert.Equal(0, await Node.WithDbAsync(db => db.Followers.CountAsync(f => f.ActorUri == Mia)));
    }

    /// <summary>
    /// The same for Undo{Like}: an embedded Like without a readable object was matched against a null object and
    /// removed nothing, where its id names the Like. The twin: the same Undo signed by someone else removes nothing.
    /// </summary>
    [DbFact]
    public async Task Undo_of_a_like_is_matched_by_the_like_id_when_its_embedded_object_is_missing()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        await Node.AddRemoteActorAsync(Bo);
        await ApplyAsync(new JObject { ["id"] = $"{Mia}#likes/1", ["type"] = "Like", ["actor"] = Mia, ["object"] = prompt });
        Assert.Equal(1, await Node.WithDbAsync(db => db.Likes.CountAsync(l => l.ActorUri == Mia)));

        await ApplyAsync(new JObject // the twin: bo cannot undo mia's like
        {
            ["id"] = $"{Bo}#undo/1", ["type"] = "Undo", ["actor"] = Bo,
            ["object"] = new JObject { ["id"] = $"{Mia}#likes/1", ["type"] = "Like" },
        });
        Assert.Equal(1, await Node.WithDbAsync(db => db.Likes.CountAsync(l => l.ActorUri == Mia)));

        await ApplyAsync(new JObject
        {
            ["id"] = $"{Mia}#likes/1/undo", ["type"] = "Undo", ["actor"] = Mia,
            ["object"] = new JObject { ["id"] = $"{Mia}#likes/1", ["type"] = "Like", ["actor"] = Mia },
        });

        Assert.Equal(0, await Node.WithDbAsync(db => db.Likes.CountAsync(l => l.ActorUri == Mia)));
    }

    /// <summary>Received as the inbox endpoint stores it, then applied by the inbox worker.</summary>
    private async Task ApplyAsync(JObject activity)
    {
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(activity, ActivityJson.GetId(activity["actor"])!));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
        Assert.All(await Node.WithDbAsync(db => db.InboxItems.AsNoTracking().Select(i => new { i.State, i.LastError }).ToListAsync()),
            i => Assert.Equal((InboxState.Done, (string?)null), (i.State, i.LastError)));
    }
}

public sealed class UndoMatchingTestsOnPostgres : UndoMatchingTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
