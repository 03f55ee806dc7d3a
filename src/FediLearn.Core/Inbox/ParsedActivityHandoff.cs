using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// The inbox endpoint's parse of an activity, kept by the id of the row it was stored in until this process's inbox
/// worker claims that row, so that the JSON is parsed once, not twice (issue 7, inbox speed: the worker's parse was
/// ~5 % of the inbox's CPU). Only an optimisation: a row claimed by another app node, after a restart, or past
/// <see cref="Capacity"/> is parsed from its stored JSON as before. Each entry is taken once, so a handler may change
/// the object it gets; an entry no worker of this process takes (another node applied its row) stays until the map is
/// full, and is then dropped with the rest.
/// </summary>
public sealed class ParsedActivityHandoff
{
    /// <summary>Entries at most: an activity's tree is a few KB, so this bounds the map to a few MB.</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<long, JObject> _parsed = new();

    internal int Count => _parsed.Count;

    /// <summary>After the row <paramref name="inboxItemId"/> was committed with the JSON <paramref name="activity"/> was parsed from.</summary>
    public void Offer(long inboxItemId, JObject activity)
    {
        if (_parsed.Count >= Capacity) _parsed.Clear();
        _parsed[inboxItemId] = activity;
    }

    /// <summary>The parse of a claimed row's JSON, if this process has it; never the same one twice.</summary>
    public JObject? Take(long inboxItemId) => _parsed.TryRemove(inboxItemId, out var activity) ? activity : null;
}
