using FediLearn.Core.Queues;

namespace FediLearn.Core.Tests;

/// <summary>The bar past which the delivery worker counts a request as slow and moves it out of its sending slot.</summary>
public class SlowRequestsTests
{
    [Fact]
    public void Until_a_window_of_answers_is_in_the_bar_is_the_initial_one()
    {
        var slow = new SlowRequests();
        for (var i = 0; i < SlowRequests.Window - 1; i++) slow.Add(TimeSpan.FromMilliseconds(5));
        Assert.Equal(SlowRequests.Initial, slow.SlowAfter);
        slow.Add(TimeSpan.FromMilliseconds(5));
        Assert.Equal(SlowRequests.Floor * 2, slow.SlowAfter); // 4 × 5 ms
    }

    [Fact]
    public void Servers_answering_after_2_s_among_the_others_do_not_raise_the_bar()
    {
        var slow = new SlowRequests();
        // Nine answers in ten after 40-60 ms, one in ten after 2 s: the median stays with the many.
        for (var i = 0; i < 10 * SlowRequests.Window; i++)
            slow.Add(TimeSpan.FromMilliseconds(i % 10 == 9 ? 2000 : 40 + i % 3 * 10));
        Assert.InRange(slow.SlowAfter.TotalMilliseconds, 160, 240);
    }

    [Fact]
    public void The_bar_stays_between_its_floor_and_ceiling()
    {
        var fast = new SlowRequests();
        for (var i = 0; i < SlowRequests.Window; i++) fast.Add(TimeSpan.FromMilliseconds(0.2));
        Assert.Equal(SlowRequests.Floor, fast.SlowAfter);

        var far = new SlowRequests();
        for (var i = 0; i < SlowRequests.Window; i++) far.Add(TimeSpan.FromSeconds(3));
        Assert.Equal(SlowRequests.Ceiling, far.SlowAfter);
    }

    [Fact]
    public void The_bar_follows_when_the_usual_response_time_changes()
    {
        var slow = new SlowRequests();
        for (var i = 0; i < SlowRequests.Window; i++) slow.Add(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(400), slow.SlowAfter);
        for (var i = 0; i < SlowRequests.Window; i++) slow.Add(TimeSpan.FromMilliseconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(40), slow.SlowAfter);
    }
}
