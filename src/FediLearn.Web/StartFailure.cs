using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;

namespace FediLearn.Web;

/// <summary>
/// What an operator reads when Kestrel cannot start: an address already taken, a port the service user may not bind, an
/// address written without its scheme, an HTTPS certificate that is missing or unreadable. Without it the process aborts
/// on an unhandled exception (exit 134 and a core dump); with it, one line and exit code 1, as for a wrong setting. The
/// host logs the exception before that line; for the failures this class explains, at Debug only (StartFailureLogging),
/// so that the line is not preceded by its stack trace.
/// </summary>
public static class StartFailure
{
    public static string Describe(Exception exception) => Advice(exception) ?? Messages(Chain(exception).ToList());

    /// <summary>Whether the exception is one of the failures below, which the one line says all there is to say about.</summary>
    public static bool Explains(Exception exception) => Advice(exception) is not null;

    private static string? Advice(Exception exception)
    {
        var chain = Chain(exception).ToList();
        if (chain.Any(e => e is AddressInUseException))
            return $"{chain[0].Message} Another program (or another FediLearn node) listens there: stop it, or choose another address with --urls or ASPNETCORE_URLS.";
        if (chain.OfType<SocketException>().Any(e => e.SocketErrorCode == SocketError.AccessDenied))
            return $"{chain[0].Message} Ports below 1024 need root or CAP_NET_BIND_SERVICE: listen on a higher port behind a reverse proxy (docs/operations.md).";
        // Kestrel's message quotes the address: "Invalid url: '127.0.0.1:5099'". Only a missing scheme is explained here.
        if (chain.FirstOrDefault(e => e is FormatException && e.Message.StartsWith("Invalid url: '", StringComparison.Ordinal)) is { } url
            && url.Message["Invalid url: '".Length..].TrimEnd('\'') is var address && !address.Contains("://", StringComparison.Ordinal))
            return $"'{address}' is not an address to listen on: write it with its scheme, as in http://{address} (--urls or ASPNETCORE_URLS; several are separated by ';').";
        if (chain.Any(e => e is InvalidOperationException && e.Message.Contains("No server certificate", StringComparison.Ordinal)))
            return "an https:// address needs a certificate: set Kestrel:Certificates:Default:Path and KeyPath (PEM files), or listen on http:// behind a reverse proxy that terminates TLS (docs/configuration.md).";
        if (chain.Any(e => e is CryptographicException or FileNotFoundException or UnauthorizedAccessException))
            return $"the HTTPS certificate could not be loaded ({Messages(chain)}): check Kestrel:Certificates:Default:Path and KeyPath (PEM files readable by the service user).";
        return null;
    }

    private static string Messages(List<Exception> chain) => string.Join(" ", chain.Select(e => e.Message.Trim()).Distinct().Take(2));

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) continue; // its message repeats the inner one's
            yield return e;
        }
    }
}
