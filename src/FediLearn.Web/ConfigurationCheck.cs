using FediLearn.Core.Options;
using Microsoft.Extensions.Options;

namespace FediLearn.Web;

/// <summary>Validates settings before anything starts, so a mistake is one line naming the setting rather than a stack trace.</summary>
public static class ConfigurationCheck
{
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
