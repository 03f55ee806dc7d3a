using FediLearn.Core.Options;
using Microsoft.Extensions.Options;

namespace FediLearn.Web;

/// <summary>Validates settings before anything starts, so a mistake is one line naming the setting rather than a stack trace.</summary>
public static class ConfigurationCheck
{
    /// <summary>
    /// Why the settings could not even be read, when <paramref name="exception"/> is the configuration builder's: a settings
    /// file that does not parse (appsettings.json edited by hand: a missing quote or brace), with its path and position.
    /// </summary>
    public static string? Unreadable(Exception exception)
    {
        if (exception is not (InvalidDataException or FormatException)) return null;
        var messages = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            // System.Text.Json counts lines and bytes from 0: the position is given as an editor shows it instead.
            if (e is System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } column })
                messages.Add($"Line {line + 1}, column {column + 1}: {e.Message[..Math.Max(0, e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal))].Trim()}");
            else
                messages.Add(e.Message.Trim());
        }
        return string.Join(" ", messages.Where(m => m.Length > 0).Distinct());
    }

    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var options = new FediLearnOptions();
        try
        {
            configuration.GetSection(FediLearnOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key it could not convert, e.g. "Failed to convert configuration value at 'FediLearn:Delivery:Concurrency'".
            return [e.Message + (e.InnerException is { } inner ? " " + inner.Message : "")];
        }
        var result = new FediLearnOptionsValidator().Validate(null, options);
        var problems = result.Failed ? result.Failures.ToList() : [];
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (UrlProblem(url) is { } problem) problems.Add($"Urls (ASPNETCORE_URLS, --urls): \"{url}\" {problem}");
        return problems;
    }

    /// <summary>
    /// What is wrong with one listening address that Kestrel would not refuse itself: a port that is not a number
    /// (<c>http://127.0.0.1:abc</c>) makes it listen on port 80 of every address, the opposite of what was asked.
    /// Addresses Kestrel refuses (no scheme, a port past 65535) stop the start with its own message (StartFailure).
    /// </summary>
    internal static string? UrlProblem(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return null;
        var rest = url[(schemeEnd + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("pipe:", StringComparison.OrdinalIgnoreCase)) return null;
        var authority = rest.Split('/')[0];
        var colon = authority.LastIndexOf(':');
        if (colon <= authority.LastIndexOf(']')) return null; // no port, or a bare IPv6 address
        var port = authority[(colon + 1)..];
        return int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 65535
            ? null
            : $"has a port that is not a number from 0 to 65535 (\"{port}\"); Kestrel would listen on port 80 of every address instead";
    }
}
