using System.Reflection;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Options;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FediLearn.Web.Pages;

/// <summary>/admin: the node's settings as it runs them (never a secret: a connection string is only said to be set),
/// what it holds, and the way to the other admin pages.</summary>
public sealed class AdminModel(FediLearnDbContext db, DeliveryAdminService deliveries, IOptions<FediLearnOptions> options) : PageModel
{
    public FediLearnOptions Options => options.Value;
    public int Accounts { get; private set; }
    public int Groups { get; private set; }
    public int AcceptedFollowers { get; private set; }
    public int PendingFollowers { get; private set; }
    public int DomainBlocks { get; private set; }
    public int OpenReports { get; private set; }
    public Dictionary<DeliveryState, int> Deliveries { get; private set; } = [];
    public Dictionary<InboxState, int> Inbox { get; private set; } = [];

    /// <summary>The build, as NodeInfo reports it, plus the informational version (which carries the commit when built from git).</summary>
    public static string Version
    {
        get
        {
            var assembly = typeof(AdminModel).Assembly;
            var version = assembly.GetName().Version?.ToString(3) ?? "0.1.0";
            var info = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            return info is null || info == version ? version : $"{version} ({info})";
        }
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Accounts = await db.Users.CountAsync(ct);
        Groups = await db.LocalActors.CountAsync(a => a.Kind == ActorKind.Group, ct);
        AcceptedFollowers = await db.Followers.CountAsync(f => f.State == FollowState.Accepted, ct);
        PendingFollowers = await db.Followers.CountAsync(f => f.State == FollowState.Pending, ct);
        DomainBlocks = await db.DomainBlocks.CountAsync(ct);
        OpenReports = await db.Reports.CountAsync(r => r.ResolvedAt == null, ct);
        Deliveries = await deliveries.CountsAsync(ct);
        Inbox = await deliveries.InboxCountsAsync(ct);
    }

    /// <summary>"30 s", "6 h", "7 d": options are TimeSpans, shown the way an admin would write them.</summary>
    public static string Span(TimeSpan t) =>
        t.TotalDays >= 1 && t.TotalDays % 1 == 0 ? $"{t.TotalDays:0} d"
        : t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0} h"
        : t.TotalMinutes >= 1 && t.TotalMinutes % 1 == 0 ? $"{t.TotalMinutes:0} min"
        : t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.###} s" : $"{t.TotalMilliseconds:0} ms";

    public static string Bytes(long bytes) => FediLearn.Core.Text.ByteSizes.Text(bytes);
}
