using System.Net;
using System.Net.Sockets;
using FediLearn.ActivityPub.Http;
using FediLearn.Core.Queues;

namespace FediLearn.Core.Tests;

/// <summary>The delivery worker's pause for hosts it could not connect to at all.</summary>
public class UnreachableHostsTests
{
    [Fact]
    public void A_host_is_paused_for_the_pause_after_a_failed_connection_and_others_are_not()
    {
        var clock = new ManualClock();
        var hosts = new UnreachableHosts(clock, TimeSpan.FromSeconds(30));
        Assert.Null(hosts.WhyNotNow("down.example"));
        hosts.Failed("down.example", "Connection refused (down.example:443)");

        clock.Now += TimeSpan.FromSeconds(12.5);
        var why = hosts.WhyNotNow("DOWN.example");
        Assert.Equal("not sent: connecting to DOWN.example failed 12.5 s ago (Connection refused (down.example:443)); its deliveries wait 30 s after such a failure", why);
        Assert.Null(hosts.WhyNotNow("up.example"));

        clock.Now += TimeSpan.FromSeconds(17.5);
        Assert.Null(hosts.WhyNotNow("down.example")); // the pause is over: the next job tries to connect again
    }

    [Fact]
    public void An_answer_from_the_host_ends_its_pause_at_once()
    {
        var clock = new ManualClock();
        var hosts = new UnreachableHosts(clock, TimeSpan.FromSeconds(30));
        hosts.Failed("back.example", "Connection refused");
        Assert.NotNull(hosts.WhyNotNow("back.example"));
        hosts.Answered("back.example"); // e.g. a job that was already connecting when the other failed
        Assert.Null(hosts.WhyNotNow("back.example"));
    }

    [Fact]
    public async Task A_refused_connection_counts_and_a_slow_answer_an_error_status_or_a_blocked_address_do_not()
    {
        // A real refusal: a port the system gave us, closed again.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var http = SafeHttp.CreateClient(new SafeHttpOptions { AllowPrivateAddresses = true, ConnectTimeout = TimeSpan.FromSeconds(5) });
        var refused = await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync($"http://127.0.0.1:{port}/inbox"));
        Assert.True(UnreachableHosts.IsConnectFailure(refused), refused.ToString());

        // Loopback is not allowed here: refused by our own address check, before any connection.
        var strict = SafeHttp.CreateClient(new SafeHttpOptions());
        var blocked = await Assert.ThrowsAnyAsync<HttpRequestException>(() => strict.GetAsync($"http://127.0.0.1:{port}/inbox"));
        Assert.IsType<BlockedAddressException>(blocked);
        Assert.False(UnreachableHosts.IsConnectFailure(blocked));

        Assert.False(UnreachableHosts.IsConnectFailure(new TaskCanceledException("timed out"))); // slow, not unreachable
        Assert.False(UnreachableHosts.IsConnectFailure(new HttpRequestException(HttpRequestError.InvalidResponse, "bad answer")));
        Assert.False(UnreachableHosts.IsConnectFailure(new IOException("connection reset mid-body")));
        Assert.True(UnreachableHosts.IsConnectFailure(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host")));
    }
}
