using System.Net;
using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Tests.Http;

namespace FediLearn.ActivityPub.Tests;

/// <summary>
/// Parts of /work/shared/security.md that the focused test classes did not yet assert end to end.
/// Case 26: AddressPolicyTests classifies the addresses; these tests send real requests through
/// SafeHttp.CreateClient so the connect-time guard itself is what refuses them.
/// </summary>
public class SecurityCasesTests
{
    // Every address case 26 names, plus the IPv4-mapped form principle 3 names, as URL literals.
    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[fc00::1]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("https://[::ffff:10.1.2.3]/")]
    public async Task Case26_fetch_to_a_special_use_address_is_refused_by_the_connect_guard(string url)
    {
        using var client = SafeHttp.CreateClient(new SafeHttpOptions { ConnectTimeout = TimeSpan.FromSeconds(30) });

        // BlockedAddressException is thrown only by the guard, before a socket is created; a dial attempt to an
        // unreachable address would instead end in a SocketException or the 30 s connect timeout.
        var error = await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync(url));
        Assert.Contains("not a public address", error.Message);
    }

    [Fact]
    public async Task Case26_ipv4_mapped_loopback_is_refused_before_any_connection()
    {
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        using var client = SafeHttp.CreateClient(new SafeHttpOptions());

        await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync($"http://[::ffff:127.0.0.1]:{server.Port}/"));

        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Case26_twin_ipv4_mapped_loopback_passes_the_guard_when_the_config_allows_loopback()
    {
        // The twin of the test above: with loopback allowed the same URL is dialled rather than refused. Whether the
        // dial then succeeds depends on the machine's IPv6 stack (some sandboxes answer "network unreachable"), so
        // the test asserts only what the guard decides: no BlockedAddressException.
        await using var server = new RawHttpServer(ctx => ctx.RespondAsync(200, "text/plain", "reached"));
        using var client = SafeHttp.CreateClient(new SafeHttpOptions { AllowPrivateAddresses = true });

        var error = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.GetAsync($"http://[::ffff:127.0.0.1]:{server.Port}/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        Assert.False(error is BlockedAddressException, error?.Message);
        if (error is not null) Assert.IsType<HttpRequestException>(error);
    }

    // Principle 3: the configuration switch may allow loopback, and only loopback. A development node run with it on
    // must still refuse the LAN, CGNAT, link-local (a cloud's metadata address) and unique-local IPv6.
    [Theory]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[fc00::1]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    public async Task Case26_with_loopback_allowed_private_and_link_local_addresses_are_still_refused(string url)
    {
        using var client = SafeHttp.CreateClient(new SafeHttpOptions { AllowPrivateAddresses = true, ConnectTimeout = TimeSpan.FromSeconds(30) });

        var error = await Assert.ThrowsAsync<BlockedAddressException>(() => client.GetAsync(url));
        Assert.Contains("neither a public nor a loopback address", error.Message);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("0.0.0.0", false)]
    public void Loopback_is_127_slash_8_and_colon_colon_1_in_either_form(string address, bool loopback) =>
        Assert.Equal(loopback, AddressPolicy.IsLoopback(IPAddress.Parse(address)));
}
