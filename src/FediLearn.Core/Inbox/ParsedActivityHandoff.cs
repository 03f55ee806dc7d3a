using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Inbox;

/// <summary>
/// The inbox endpoint's parse of an activity, kept by the id of the row it was stored in until this process's inbox
/// worker claims that row, so that the JSON is parsed once, not twice (issue 7, inbox speed: the worker's parse was
/// ~5 % of the inbox's CPU). Only an optimisation: a row claimed by another app node, after a restart, or not kept
/// here is parsed from its stored JSON as before. Each entry is taken once, so a handler may change the object it gets.
/// <para>
/// Bounded by the JSON's size, not by count: a parsed tree took ~11 bytes per character of its JSON (Newtonsoft,
/// 2.4 and 5 KB activities), and a body may be up to <c>Federation:MaxBodyBytes</c> (1 MB). So at most
/// <see cref="BudgetChars"/> characters of JSON are held (~11 MB of trees), an activity over
/// <see cref="MaxChars"/> is not kept at all, and when the budget is full everything held is dropped (entries no worker
/// here will take, because another node applied their rows, go the same way).
/// </para>
/// </summary>
public sealed class ParsedActivityHandoff
{
    /// <summary>Characters of JSON whose trees are held at most.</summary>
    public const int BudgetChars = 1_000_000;

    /// <summary>A larger activity is parsed again by the worker rather than held.</summary>
    public const int MaxChars = 64 * 1024;

    private readonly Dictionary<long, (JObject Activity, int Chars)> _parsed = [];
    private readonly Lock _lock = new();
    private int _chars;

    internal int Count { get { lock (_lock) return _parsed.Count; } }

    internal int HeldChars { get { lock (_lock) return _chars; } }

    /// <summary>
    /// After the row <paramref name="inboxItemId"/> was committed with the JSON (<paramref name="jsonChars"/> long)
    /// that <paramref name="activity"/> was parsed from.
    /// </summary>
    public void Offer(long inboxItemId, JObject activity, int jsonChars)
    {
        if (jsonChars > MaxChars) return;
        lock (_lock)
        {
            if (_chars + jsonChars > BudgetChars)
            {
                _parsed.Clear();
                _chars = 0;
            }
            if (_parsed.Remove(inboxItemId, out var replaced)) _chars -= replaced.Chars;
            _parsed[inboxItemId] = (activity, jsonChars);
            _chars += jsonChars;
        }
    }

    /// <summary>The parse of a claimed row's JSON, if this process has it; never the same one twice.</summary>
    public JObject? Take(long inboxItemId)
    {
        lock (_lock)
        {
            if (!_parsed.Remove(inboxItemId, out var held)) return null;
            _chars -= held.Chars;
            return held.Activity;
        }
    }
}
