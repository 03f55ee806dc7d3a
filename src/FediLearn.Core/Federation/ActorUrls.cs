using FediLearn.Core.Data.Entities;
using FediLearn.Core.Options;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Federation;

/// <summary>Every public id on this node, built from FediLearn:PublicUrl. The same URL serves JSON and HTML.</summary>
public sealed class ActorUrls(IOptions<FediLearnOptions> options)
{
    public const string InstanceActorName = "instance.actor";

    private readonly string _base = options.Value.BaseUrl;

    public string Base => _base;
    public string Authority { get; } = options.Value.Authority;

    /// <summary>The host name of <see cref="Base"/>, without a port: the instance actor's WebFinger name (<c>acct:{host}@{authority}</c>).</summary>
    public string Host { get; } = new Uri(options.Value.BaseUrl).Host;
    public string SharedInbox => $"{_base}/inbox";
    public string InstanceActor => $"{_base}/actor";

    public string Actor(LocalActor actor) => Actor(actor.Kind, actor.Name);

    public string Actor(ActorKind kind, string name) => kind switch
    {
        ActorKind.Group => $"{_base}/g/{name}",
        ActorKind.Person => $"{_base}/u/{name}",
        _ => InstanceActor,
    };

    public string Inbox(LocalActor a) => $"{Actor(a)}/inbox";
    public string Outbox(LocalActor a) => $"{Actor(a)}/outbox";
    public string Followers(LocalActor a) => $"{Actor(a)}/followers";
    public string Following(LocalActor a) => $"{Actor(a)}/following";
    public string Featured(LocalActor a) => $"{Actor(a)}/featured";
    public string Moderators(LocalActor a) => $"{Actor(a)}/moderators";
    public string MainKey(LocalActor a) => $"{Actor(a)}#main-key";
    public string Ed25519Key(LocalActor a) => $"{Actor(a)}#ed25519-key";
    public string Activity(string key) => $"{_base}/activities/{key}";
    public string Handle(LocalActor a) => $"@{a.Name}@{Authority}";

    public static string KindSegment(ItemKind kind) => kind switch
    {
        ItemKind.Prompt => "prompts",
        ItemKind.Post => "posts",
        ItemKind.Material => "materials",
        _ => "sessions",
    };

    /// <summary>The inverse of <see cref="KindSegment"/>: the item kind a plural path word names, exactly; null for any other word.</summary>
    public static ItemKind? KindOfSegment(string segment) => segment switch
    {
        "prompts" => ItemKind.Prompt,
        "posts" => ItemKind.Post,
        "materials" => ItemKind.Material,
        "sessions" => ItemKind.Session,
        _ => null,
    };

    /// <summary>A route parameter admitting exactly the four plural path words of <see cref="KindOfSegment"/>.</summary>
    public const string KindRoute = "{kind:oneof(prompts|posts|materials|sessions)}";

    /// <summary>The page for people listing all of a group's objects of one kind: {group}/{prompts|posts|materials|sessions}.</summary>
    public string Items(string groupName, ItemKind kind) => $"{_base}/g/{groupName}/{KindSegment(kind)}";

    /// <summary>A group object's id: {group}/{prompts|posts|materials|sessions}/{id}.</summary>
    public string Item(string groupName, ItemKind kind, long id) => $"{_base}/g/{groupName}/{KindSegment(kind)}/{id}";
    /// <summary>A member's own note: /u/{name}/notes/{id}.</summary>
    public string Note(string authorName, long id) => $"{_base}/u/{authorName}/notes/{id}";

    /// <summary>Maps one of our members' note URLs back to (author, id); null when it is not one.</summary>
    public (string Author, long Id)? ParseNote(string? uri)
    {
        if (uri is null || !uri.StartsWith(_base + "/u/", StringComparison.Ordinal)) return null;
        var parts = uri[(_base.Length + 3)..].Split('/');
        return parts.Length == 3 && parts[1] == "notes"
            && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? (parts[0], id) : null;
    }

    /// <summary>True when the URL is on this node.</summary>
    public bool IsLocal(string? uri) => uri is not null && (uri == _base || uri.StartsWith(_base + "/", StringComparison.Ordinal));

    public string Media(string key) => $"{_base}/media/{key}";
    public string Tag(string tag) => $"{_base}/tags/{tag}";

    /// <summary>Maps one of our group object URLs back to (group, kind, id); null when it is not one.</summary>
    public (string Group, ItemKind Kind, long Id)? ParseItem(string? uri)
    {
        if (uri is null || !uri.StartsWith(_base + "/g/", StringComparison.Ordinal)) return null;
        var parts = uri[(_base.Length + 3)..].Split('/');
        if (parts.Length != 3 || !long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) return null;
        var kind = KindOfSegment(parts[1]);
        return kind is null ? null : (parts[0], kind.Value, id);
    }

    /// <summary>Maps one of our actor URLs back to (kind, name); null when it is not ours.</summary>
    public (ActorKind Kind, string Name)? Parse(string? uri)
    {
        if (uri is null || !uri.StartsWith(_base + "/", StringComparison.Ordinal)) return null;
        var path = uri[(_base.Length + 1)..];
        if (path == "actor") return (ActorKind.Application, InstanceActorName);
        if (path.Length > 2 && path[1] == '/' && !path[2..].Contains('/') && !path.Contains('#') && !path.Contains('?'))
        {
            if (path[0] == 'g') return (ActorKind.Group, path[2..]);
            if (path[0] == 'u') return (ActorKind.Person, path[2..]);
        }
        return null;
    }
}
