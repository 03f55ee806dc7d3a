namespace FediLearn.Web.Endpoints;

/// <summary>
/// A session's thread collections list two kinds of entries in publication order: the replies (many, paged in the
/// database) and the session's reflection prompts (a few, read whole). This finds one page of the merged order from the
/// prompts and a window of the replies, without reading every reply before the page.
/// </summary>
internal static class ThreadMerge
{
    public readonly record struct Entry(string Uri, DateTime PublishedAt);

    /// <summary>
    /// Where the window of replies must start for <see cref="Window"/> to see every entry of merged positions
    /// [<paramref name="start"/>, <paramref name="start"/> + count): up to one reply per prompt can be pushed past the start.
    /// Read <c>count + prompts</c> replies from there.
    /// </summary>
    public static int FirstReplyRank(int start, int prompts) => Math.Max(start - prompts, 0);

    /// <summary>
    /// The entries at merged positions [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).
    /// <paramref name="prompts"/>: all of them, in order; <paramref name="replies"/>: in order, from rank
    /// <paramref name="firstReplyRank"/> (<see cref="FirstReplyRank"/>), at least <c>count + prompts</c> of them unless
    /// the thread ends first. A prompt comes before a reply published at the same instant.
    /// </summary>
    public static List<string> Window(IReadOnlyList<Entry> prompts, IReadOnlyList<Entry> replies, int firstReplyRank, int start, int count)
    {
        var placed = new List<(long Position, string Uri)>(replies.Count + prompts.Count);
        // A reply's place: its rank among the replies plus the prompts published before it (all are known).
        for (var i = 0; i < replies.Count; i++)
            placed.Add((firstReplyRank + i + CountAtOrBefore(prompts, replies[i].PublishedAt), replies[i].Uri));
        // A prompt's place: its rank among the prompts plus the replies published before it. Counted in the window, that
        // is exact from the window's first reply on; a prompt before it lands before the page start (at most
        // firstReplyRank + its rank, below start), and one after the window's end lands past the page.
        for (var j = 0; j < prompts.Count; j++)
            placed.Add((j + firstReplyRank + CountBefore(replies, prompts[j].PublishedAt), prompts[j].Uri));
        return placed.Where(p => p.Position >= start && p.Position < (long)start + count)
            .OrderBy(p => p.Position).Select(p => p.Uri).ToList();
    }

    private static int CountAtOrBefore(IReadOnlyList<Entry> sorted, DateTime at)
    {
        var n = 0;
        while (n < sorted.Count && sorted[n].PublishedAt <= at) n++;
        return n;
    }

    private static int CountBefore(IReadOnlyList<Entry> sorted, DateTime at)
    {
        var n = 0;
        while (n < sorted.Count && sorted[n].PublishedAt < at) n++;
        return n;
    }
}
