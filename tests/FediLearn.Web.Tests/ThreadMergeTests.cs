using FediLearn.Web.Endpoints;
using Xunit;

namespace FediLearn.Web.Tests;

/// <summary>
/// A session's thread pages merge its reflection prompts into its replies (ThreadMerge): every page must equal the same
/// slice of the whole thread sorted at once, wherever the prompts fall and however long the thread is.
/// </summary>
public class ThreadMergeTests
{
    private static readonly DateTime T0 = new(2027, 3, 15, 16, 0, 0, DateTimeKind.Utc);

    private static List<string> Naive(List<ThreadMerge.Entry> prompts, List<ThreadMerge.Entry> replies) =>
        prompts.Select(e => (e, Kind: 0)).Concat(replies.Select(e => (e, Kind: 1)))
            .OrderBy(x => x.e.PublishedAt).ThenBy(x => x.Kind) // a prompt before a reply of the same instant
            .ThenBy(x => x.Kind == 0 ? prompts.IndexOf(x.e) : replies.IndexOf(x.e))
            .Select(x => x.e.Uri).ToList();

    private static List<string> Page(List<ThreadMerge.Entry> prompts, List<ThreadMerge.Entry> replies, int start, int count)
    {
        var first = ThreadMerge.FirstReplyRank(start, prompts.Count);
        var window = replies.Skip(first).Take(count + prompts.Count).ToList(); // what the endpoint reads
        return ThreadMerge.Window(prompts, window, first, start, count);
    }

    [Fact]
    public void Every_page_of_random_threads_is_the_slice_of_the_whole_thread_sorted()
    {
        var random = new Random(20271115);
        for (var round = 0; round < 2_000; round++)
        {
            // Minutes from a small range, so that prompts and replies often share an instant.
            var replies = Enumerable.Range(0, random.Next(0, 60)).Select(i => T0.AddMinutes(random.Next(0, 40))).Order()
                .Select((at, i) => new ThreadMerge.Entry($"r{i}", at)).ToList();
            var prompts = Enumerable.Range(0, random.Next(0, 6)).Select(i => T0.AddMinutes(random.Next(-5, 45))).Order()
                .Select((at, i) => new ThreadMerge.Entry($"p{i}", at)).ToList();
            var whole = Naive(prompts, replies);
            var size = random.Next(1, 12);
            for (var start = 0; start <= whole.Count + 1; start += size)
                Assert.Equal(whole.Skip(start).Take(size + 1), Page(prompts, replies, start, size + 1));
        }
    }

    [Fact]
    public void A_prompt_published_between_replies_is_listed_between_them()
    {
        var replies = new List<ThreadMerge.Entry> { new("r0", T0), new("r1", T0.AddMinutes(2)) };
        var prompts = new List<ThreadMerge.Entry> { new("p0", T0.AddMinutes(1)), new("p1", T0.AddMinutes(2)) };
        Assert.Equal(["r0", "p0", "p1", "r1"], Page(prompts, replies, 0, 10));
        Assert.Equal(["p1", "r1"], Page(prompts, replies, 2, 10));
        Assert.Equal(["p0"], Page(prompts, replies, 1, 1));
    }
}
