using FediLearn.ActivityPub.Json;
using FediLearn.Core.Inbox;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// A like is kept only for an object of ours at exactly the id liked. LikeHandler looked at the item's number and kind
/// in the id and not at its group, so a like of <c>/g/other/prompts/7</c> (no such object) was stored, under an id no
/// count ever reads.
/// </summary>
public class LikeTargetTests : NodeTest
{
    private const string Mia = "https://mia.example/users/mia";

    [DbFact]
    public async Task A_like_is_kept_only_for_the_object_at_that_id_in_its_own_group()
    {
        var (_, prompt, _) = await Node.AddGroupWithPromptAsync();
        await Node.AddRemoteActorAsync(Mia);
        var elsewhere = prompt.Replace("/g/circle/", "/g/other/");

        await LikeAsync(1, elsewhere);
        await LikeAsync(2, prompt); // the twin: the prompt at its own id

        Assert.Equal([prompt], await Node.WithDbAsync(db => db.Likes.Select(l => l.ObjectUri).ToListAsync()));
    }

    private async Task LikeAsync(int n, string target)
    {
        var like = new JObject { ["id"] = $"{Mia}#likes/{n}", ["type"] = "Like", ["actor"] = Mia, ["object"] = target };
        Assert.Equal(ReceiveOutcome.Queued, await Node.ReceiveAsync(like, ActivityJson.GetId(like["actor"])!));
        Assert.Equal(1, await Node.NewInboxWorker().RunOnceAsync(CancellationToken.None));
    }
}

public sealed class LikeTargetTestsOnPostgres : LikeTargetTests, IPostgresVariant
{
    protected override TestProvider Provider => TestProvider.Postgres;
}
