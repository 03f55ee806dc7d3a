using FediLearn.Core.Queues;

namespace FediLearn.Core.Tests;

/// <summary>The delivery worker's memory of hosts that answered slowly.</summary>
public class SlowHostsTests
{
    private static readonly TimeSpan Bar = TimeSpan.FromMilliseconds(40);

    [Fact]
    public void A_slow_answer_marks_the_host_and_a_fast_one_forgets_it()
    {
        var hosts = new SlowHosts(new ManualClock());
        Assert.False(hosts.IsSlow("far.example"));
        hosts.Answered("far.example", TimeSpan.FromMilliseconds(39), Bar);
        Assert.False(hosts.IsSlow("far.example"));

        hosts.Answered("far.example", TimeSpan.FromSeconds(2), Bar);
        Assert.True(hosts.IsSlow("FAR.example"));
        Assert.False(hosts.IsSlow("near.example"));

        hosts.Answered("far.example", TimeSpan.FromMilliseconds(12), Bar);
        Assert.False(hosts.IsSlow("far.example"));
    }

    [Fact]
    public void A_request_unanswered_past_the_bar_marks_the_host_until_the_memory_runs_out()
    {
        var clock = new ManualClock();
        var hosts = new SlowHosts(clock);
        hosts.Slow("hanging.example");
        clock.Now += SlowHosts.Memory - TimeSpan.FromSeconds(1);
        Assert.True(hosts.IsSlow("hanging.example"));
        hosts.Answered("hanging.example", TimeSpan.FromSeconds(3), Bar); // slow again: remembered from now
        clock.Now += SlowHosts.Memory - TimeSpan.FromSeconds(1);
        Assert.True(hosts.IsSlow("hanging.example"));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.False(hosts.IsSlow("hanging.example"));
    }

    [Fact]
    public void The_memory_is_bounded()
    {
        var hosts = new SlowHosts(new ManualClock());
        for (var i = 0; i < SlowHosts.Capacity; i++) hosts.Slow($"h{i}.example");
        Assert.True(hosts.IsSlow("h0.example"));
        hosts.Slow("h0.example"); // already known: nothing is dropped
        Assert.True(hosts.IsSlow("h1.example"));
        hosts.Slow("one-more.example"); // a new host past the bound: the others are forgotten, not kept growing
        Assert.True(hosts.IsSlow("one-more.example"));
        Assert.False(hosts.IsSlow("h1.example"));
    }

    [Fact]
    public void The_count_is_of_the_hosts_slow_now()
    {
        var clock = new ManualClock();
        var hosts = new SlowHosts(clock);
        Assert.Equal(0, hosts.Count);
        hosts.Slow("a.example");
        clock.Now += TimeSpan.FromMinutes(30);
        hosts.Slow("b.example");
        hosts.Answered("c.example", TimeSpan.FromSeconds(2), Bar);
        Assert.Equal(3, hosts.Count);
        hosts.Answered("c.example", TimeSpan.FromMilliseconds(5), Bar); // fast again: forgotten
        Assert.Equal(2, hosts.Count);
        clock.Now += TimeSpan.FromMinutes(30); // a.example's mark has run out, not yet removed
        Assert.Equal(1, hosts.Count);
    }
}
