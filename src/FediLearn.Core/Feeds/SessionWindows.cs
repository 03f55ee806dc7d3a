using FediLearn.Core.Data.Entities;

namespace FediLearn.Core.Feeds;

/// <summary>
/// Reading sessions near now. A session is stored as local wall-clock times plus its zone, so the database cannot order
/// sessions of different zones by instant. The two windows below select by local time widened by
/// <see cref="SessionTime.LocalToUtcMargin"/> (no zone is further from UTC) and order by local start, nearest now first;
/// the caller takes a bounded number of them, projects them with <see cref="Timed"/>, and compares the exact instants in
/// memory. Both windows are plain query operators, so they also work inside a correlated subquery.
/// </summary>
public static class SessionWindows
{
    /// <summary>Sessions that may not have ended at <paramref name="now"/>, soonest local start first.</summary>
    public static IOrderedQueryable<GroupItem> NotEndedBy(this IQueryable<GroupItem> sessions, DateTimeOffset now)
    {
        var endsAfter = now.UtcDateTime - SessionTime.LocalToUtcMargin;
        return sessions.Where(i => i.EndsAtLocal > endsAfter).OrderBy(i => i.StartsAtLocal).ThenBy(i => i.Id);
    }

    /// <summary>Sessions that may have ended at <paramref name="now"/>, latest local start first.</summary>
    public static IOrderedQueryable<GroupItem> EndedBy(this IQueryable<GroupItem> sessions, DateTimeOffset now)
    {
        var endsBy = now.UtcDateTime + SessionTime.LocalToUtcMargin;
        return sessions.Where(i => i.EndsAtLocal <= endsBy).OrderByDescending(i => i.StartsAtLocal).ThenByDescending(i => i.Id);
    }

    /// <summary>
    /// The sessions with the instants of their start and end. Those without times or with a zone this machine does not
    /// know are left out: they have no instant to compare.
    /// </summary>
    public static IEnumerable<TimedSession> Timed(this IEnumerable<GroupItem> sessions) =>
        sessions
            .Where(s => s.StartsAtLocal is not null && s.EndsAtLocal is not null && SessionTime.IsValidZone(s.TimeZone))
            .Select(s => new TimedSession(s, SessionTime.ToInstant(s.StartsAtLocal!.Value, s.TimeZone!), SessionTime.ToInstant(s.EndsAtLocal!.Value, s.TimeZone!)));
}

/// <summary>A session and the instants its local start and end stand for.</summary>
public readonly record struct TimedSession(GroupItem Item, DateTimeOffset Start, DateTimeOffset End);
