using System.Net;
using FediLearn.ActivityPub.Http;

namespace FediLearn.ActivityPub.Tests.Http;

public class AddressPolicyTests
{
    [Theory]
    // security.md case 26
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fe80::1")]
    // IPv4 inside IPv6, and the rest of the special-use ranges
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::1")]       // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::1")]     // 6to4 of 192.168.1.1
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("::127.0.0.1")]          // IPv4-compatible (deprecated)
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("0.1.2.3")]
    [InlineData("127.255.255.254")]
    [InlineData("172.31.255.255")]
    [InlineData("100.127.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("100::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:2::1")]
    [InlineData("3fff::1")]
    [InlineData("64:ff9b:1::1")]
    public void Special_use_addresses_are_not_public(string address) =>
        Assert.False(AddressPolicy.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]     // NAT64 of 8.8.8.8, as DNS64 networks hand out
    public void Public_unicast_addresses_are_public(string address) =>
        Assert.True(AddressPolicy.IsPublic(IPAddress.Parse(address)), address);
}
