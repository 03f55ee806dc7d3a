using FediLearn.ActivityPub.Json;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;

namespace FediLearn.Core.Inbox;

/// <summary>Join (Mobilizon) of one of our sessions.</summary>
public sealed class JoinHandler(RsvpService rsvps) : IActivityHandler
{
    public string Type => "Join";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (await rsvps.FindSessionAsync(ActivityJson.GetId(context.Activity["object"]), ct) is { } found)
            await rsvps.JoinAsync(found.Session, found.Group, context.Signer, context.Activity, ct);
    }
}

/// <summary>Leave (Mobilizon) of one of our sessions.</summary>
public sealed class LeaveHandler(RsvpService rsvps) : IActivityHandler
{
    public string Type => "Leave";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (await rsvps.FindSessionAsync(ActivityJson.GetId(context.Activity["object"]), ct) is { } found)
            await rsvps.SetAsync(found.Session, context.Signer.Uri, null, ct);
    }
}

/// <summary>TentativeAccept of one of our sessions (Friendica's "maybe"), under the rules of a Join: <see cref="RsvpService.AnswerAsync"/>.</summary>
public sealed class TentativeAcceptHandler(RsvpService rsvps) : IActivityHandler
{
    public string Type => "TentativeAccept";

    public async Task HandleAsync(InboxContext context, CancellationToken ct)
    {
        if (await rsvps.FindSessionAsync(ActivityJson.GetId(context.Activity["object"]), ct) is { } found)
            await rsvps.AnswerAsync(found.Session, found.Group, context.Signer, context.Activity, RsvpStatus.Maybe, ct);
    }
}
