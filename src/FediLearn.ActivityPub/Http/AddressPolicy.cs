using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FediLearn.ActivityPub.Http;

/// <summary>
/// Which resolved addresses outbound requests may reach (security.md principle 3, case 26). Modelled on GoToSocial's
/// dial-time sanitizer (<c>internal/httpclient/sanitizer.go</c>) and Mastodon's <c>PrivateAddressCheck</c>;
/// CVE-2026-46348 is why <c>::</c> is listed explicitly.
/// </summary>
public static class AddressPolicy
{
    // IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast and reserved.
    private static readonly Prefix[] DeniedV4 =
    [
        Prefix.Parse("0.0.0.0/8"),        // "this network"
        Prefix.Parse("10.0.0.0/8"),       // private
        Prefix.Parse("100.64.0.0/10"),    // CGNAT shared space
        Prefix.Parse("127.0.0.0/8"),      // loopback
        Prefix.Parse("169.254.0.0/16"),   // link-local, cloud metadata
        Prefix.Parse("172.16.0.0/12"),    // private
        Prefix.Parse("192.0.0.0/24"),     // IETF protocol assignments
        Prefix.Parse("192.0.2.0/24"),     // TEST-NET-1
        Prefix.Parse("192.88.99.0/24"),   // 6to4 relay anycast (deprecated)
        Prefix.Parse("192.168.0.0/16"),   // private
        Prefix.Parse("198.18.0.0/15"),    // benchmarking
        Prefix.Parse("198.51.100.0/24"),  // TEST-NET-2
        Prefix.Parse("203.0.113.0/24"),   // TEST-NET-3
        Prefix.Parse("224.0.0.0/4"),      // multicast
        Prefix.Parse("240.0.0.0/4"),      // reserved, includes 255.255.255.255 broadcast
    ];

    private static readonly Prefix GlobalUnicastV6 = Prefix.Parse("2000::/3");
    private static readonly Prefix MappedV4 = Prefix.Parse("::ffff:0:0/96");
    private static readonly Prefix Nat64 = Prefix.Parse("64:ff9b::/96");
    private static readonly Prefix SixToFour = Prefix.Parse("2002::/16");

    // Blocks inside 2000::/3 that are not ordinary global unicast.
    private static readonly Prefix[] DeniedV6 =
    [
        Prefix.Parse("2001::/23"),      // IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID
        Prefix.Parse("2001:db8::/32"),  // documentation
        Prefix.Parse("3fff::/20"),      // documentation (RFC 9637)
    ];

    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    /// <summary>127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6 (<c>::ffff:127.0.0.1</c>).</summary>
    public static bool IsLoopback(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    private static bool IsPublicV4(IPAddress address)
    {
        foreach (var network in DeniedV4)
        {
            if (network.Contains(address))
                return false;
        }
        return true;
    }

    private static bool IsPublicV6(IPAddress address)
    {
        // Forms that carry an IPv4 address are judged by that address: a socket connecting to ::ffff:127.0.0.1 or to a
        // NAT64/6to4 address reaches the embedded IPv4 host. (:: and ::1 fall in no allowed block and are denied below.)
        if (MappedV4.Contains(address))
            return IsPublicV4(address.MapToIPv4());
        if (Nat64.Contains(address))
            return IsPublicV4(EmbeddedV4(address, 12));
        if (SixToFour.Contains(address))
            return IsPublicV4(EmbeddedV4(address, 2));

        // Everything outside global unicast is denied: ::, ::1, IPv4-compatible ::/96, 64:ff9b:1::/48, 100::/64,
        // ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
        if (!GlobalUnicastV6.Contains(address))
            return false;
        foreach (var network in DeniedV6)
        {
            if (network.Contains(address))
                return false;
        }
        return true;
    }

    /// <summary>
    /// A CIDR prefix compared on raw bytes. (System.Net.IPNetwork.Contains gave wrong answers for IPv4-mapped IPv6
    /// addresses on .NET 10 — ::ffff:10.0.0.1 "inside" 2000::/3 — so it is not used here.)
    /// </summary>
    private readonly record struct Prefix(byte[] Bytes, int Length)
    {
        public static Prefix Parse(string cidr)
        {
            var slash = cidr.IndexOf('/');
            return new Prefix(IPAddress.Parse(cidr[..slash]).GetAddressBytes(), int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture));
        }

        public bool Contains(IPAddress address)
        {
            Span<byte> bytes = stackalloc byte[16];
            if (!address.TryWriteBytes(bytes, out var written) || written != Bytes.Length)
                return false;
            var whole = Length / 8;
            if (!bytes[..whole].SequenceEqual(Bytes.AsSpan(0, whole)))
                return false;
            var rest = Length % 8;
            if (rest == 0)
                return true;
            var mask = (byte)(0xFF << (8 - rest));
            return (bytes[whole] & mask) == (Bytes[whole] & mask);
        }
    }

    private static IPAddress EmbeddedV4(IPAddress v6, int offset)
    {
        Span<byte> bytes = stackalloc byte[16];
        v6.TryWriteBytes(bytes, out _);
        return new IPAddress(bytes.Slice(offset, 4));
    }
}
