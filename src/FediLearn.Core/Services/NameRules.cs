using System.Text.RegularExpressions;
using FediLearn.Core.Federation;

namespace FediLearn.Core.Services;

/// <summary>Group and member names: Mastodon's username pattern (federation.md item 3), lower case, one namespace.</summary>
public static partial class NameRules
{
    public const int MaxLength = 64;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        ActorUrls.InstanceActorName, "actor", "admin", "administrator", "root", "system", "support", "inbox", "outbox",
        "api", "well-known", "nodeinfo", "activities", "media", "login", "logout", "setup", "settings",
    };

    [GeneratedRegex(@"^[a-z0-9_]+([.-]+[a-z0-9_]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Null when valid, else a one-line reason.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "a name is required";
        if (name.Length > MaxLength) return $"\"{name}\" is longer than {MaxLength} characters";
        if (!Pattern().IsMatch(name))
            return $"\"{name}\" is not a valid name: use lower-case letters, digits and _, optionally separated by . or - (e.g. rust_circle or spring-2027)";
        if (Reserved.Contains(name)) return $"\"{name}\" is reserved";
        return null;
    }

    /// <summary>
    /// <see cref="Validate(string?)"/>, and not this node's own host name: WebFinger answers <c>acct:{host}@{host}</c>
    /// with the instance actor (Lemmy and others look it up so), so a group or member of that name could not be found.
    /// </summary>
    public static string? Validate(string? name, ActorUrls urls) =>
        Validate(name) ?? (string.Equals(name, urls.Host, StringComparison.OrdinalIgnoreCase)
            ? $"\"{name}\" is this node's own host name, which names the node itself (its instance actor)"
            : null);
}
