using FediLearn.Web.Endpoints;

namespace FediLearn.Web.Tests;

/// <summary>
/// <c>dotnet_gc_collections_total</c> is a counter: per generation it must never go down between scrapes, though the
/// runtime's counts it is derived from are read one after another while collections go on.
/// </summary>
public sealed class GcCollectionsTests
{
    /// <summary>Collections as the runtime counts them: one of generation g raises the count of g and of every younger one.</summary>
    private sealed class Runtime
    {
        public readonly int[] Counts = new int[3];
        public void Collect(int generation) { for (var g = 0; g <= generation; g++) Counts[g]++; }
        public long Exactly(int g) => Counts[g] - (g < 2 ? Counts[g + 1] : 0);
    }

    [Fact]
    public void A_collection_between_two_reads_does_not_make_the_count_fall()
    {
        var runtime = new Runtime();
        for (var i = 0; i < 5; i++) runtime.Collect(0);
        runtime.Collect(1);
        var collectBeforeReading = -1;
        var counter = new GcCollections(g =>
        {
            if (g == collectBeforeReading) runtime.Collect(1);
            return runtime.Counts[g];
        }, 2);

        Assert.Equal([5L, 1, 0], counter.Next());
        collectBeforeReading = 1; // a gen1 collection after gen0's count was read and before gen1's
        var second = counter.Next();
        Assert.Equal(5L, second[0]); // count(0) - count(1) read 6 - 2 = 4 here: the dip
        collectBeforeReading = -1;
        Assert.Equal([5L, 2, 0], counter.Next());
    }

    [Fact]
    public void Under_collections_at_random_moments_every_generation_only_rises_and_never_passes_the_truth()
    {
        var random = new Random(20261207);
        var runtime = new Runtime();
        var counter = new GcCollections(g =>
        {
            while (random.Next(3) == 0) runtime.Collect(random.Next(10) switch { < 7 => 0, < 9 => 1, _ => 2 });
            return runtime.Counts[g];
        }, 2);
        var last = new long[3];
        for (var scrape = 0; scrape < 2000; scrape++)
        {
            var now = counter.Next();
            for (var g = 0; g < 3; g++)
            {
                Assert.True(now[g] >= last[g], $"scrape {scrape}: gen{g} fell from {last[g]} to {now[g]}");
                Assert.True(now[g] <= runtime.Exactly(g), $"scrape {scrape}: gen{g} reported {now[g]}, only {runtime.Exactly(g)} happened");
            }
            last = now;
        }
        Assert.True(last[0] > 100 && last[1] > 10 && last[2] > 1); // the run did collect
    }
}
