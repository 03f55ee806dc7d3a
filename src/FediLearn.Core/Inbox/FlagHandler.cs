using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Text;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace FediLearn.Core.Inbox;

/// <summary>A Flag (report) sent to a group reaches its facilitators; one sent to the instance actor reaches the admins (federation.md item 18).</summary>
public sealed class FlagHandler(FediLearnDbContext db, ActorUrls urls, TimeProvider time) : IActivityHandler
{
    public string Type => "Flag";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        var activityId = ActivityJson.GetId(context.Activity) ?? "";
        if (activityId.Length > 0 && await db.Reports.AnyAsync(r => r.ActivityId == activityId, ct)) return;
        var objects = ActivityJson.GetIds(context.Activity["object"]).Take(50).ToList();
        long? groupId = null;
        foreach (var target in objects.Select(o => urls.Parse(o)?.Name ?? urls.ParseItem(o)?.Group).Where(n => n is not null))
        {
            groupId = await db.LocalActors.Where(a => a.Kind == ActorKind.Group && a.Name == target).Select(a => (long?)a.Id).FirstOrDefaultAsync(ct);
            if (groupId is not null) break;
        }
        groupId ??= await db.Replies.Where(r => objects.Contains(r.Uri)).Select(r => (long?)r.GroupId).FirstOrDefaultAsync(ct);
        db.Reports.Add(new Report
        {
            GroupId = groupId,
            ReporterUri = context.Signer.Uri,
            ObjectsJson = StoredJson.Strings(objects),
            Content = PlainText.FromHtml(ActivityJson.GetString(context.Activity, "content"), 5000),
            ActivityId = activityId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
    }
}
