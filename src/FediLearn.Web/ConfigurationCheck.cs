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
        return result.Failed ? result.Failures.ToList() : [];
    }
}
