using FediLearn.Core.Data.Entities;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>One verified activity being processed: its JSON and the actor whose signature it carried (equal to its actor).</summary>
public sealed record InboxContext(JObject Activity, RemoteActor Signer);

/// <summary>Applies one activity type (design.md: one handler per activity type). Handlers must be idempotent: a retry may repeat them.</summary>
public interface IActivityHandler
{
    string Type { get; }
    Task HandleAsync(InboxContext context, CancellationToken ct);
}
