using FediLearn.Core.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Tests;

/// <summary>Bad settings stop start-up with a message naming the setting.</summary>
public sealed class OptionsValidatorTests
{
    private static readonly FediLearnOptionsValidator Validator = new();

    [Theory]
    [InlineData("coop.example")] // relative
    [InlineData("/fedilearn")]
    [InlineData("ftp://coop.example")]
    [InlineData("file:///srv/fedilearn")]
    [InlineData("https://coop.example/x")] // path
    [InlineData("https://coop.example/x/")]
    [InlineData("https://coop.example/?x=1")] // query
    [InlineData("https://coop.example?x=1")]
    [InlineData("https://coop.example/#top")]
    [InlineData("")]
    public void Bad_PublicUrl_is_named_in_the_message(string publicUrl)
    {
        var result = Validator.Validate(null, new FediLearnOptions { PublicUrl = publicUrl });
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("FediLearn:PublicUrl", failure);
        Assert.Contains(publicUrl, failure);
    }

    [Theory]
    [InlineData("https://coop.example")]
    [InlineData("https://coop.example/")]
    [InlineData("http://localhost:5080")]
    [InlineData("https://[::1]:8443")]
    public void Origins_are_accepted(string publicUrl) =>
        Assert.True(Validator.Validate(null, new FediLearnOptions { PublicUrl = publicUrl }).Succeeded);

    /// <summary>Values the code used to take silently: a negative limit meant none, a dead-host window of minutes skipped a server after one outage.</summary>
    [Theory]
    [InlineData("FediLearn:Delivery:PerHostConcurrency", "-1")]
    [InlineData("FediLearn:Delivery:DeadHostAfter", "00:05:00")]
    [InlineData("FediLearn:Delivery:DeadHostAfter", "-1.00:00:00")]
    [InlineData("FediLearn:ReadCache:MaxEntries", "0")]
    [InlineData("FediLearn:ReadCache:Seconds", "NaN")] // passed both bounds' comparisons, and the cache quietly went off
    [InlineData("FediLearn:ReadCache:Seconds", "61")]
    [InlineData("FediLearn:RateLimits:InboxPerHostPerMinute", "-1")]
    [InlineData("FediLearn:RateLimits:FetchPerHostPerMinute", "-5")]
    [InlineData("FediLearn:RateLimits:ApiPerTokenPerMinute", "-1")]
    [InlineData("FediLearn:RateLimits:LoginPerAddressPerMinute", "-1")]
    public void Out_of_range_limits_are_named(string setting, string value)
    {
        var failure = Assert.Single(Validator.Validate(null, Bound(setting, value)).Failures!);
        Assert.StartsWith(setting + " must be", failure);
    }

    [Theory]
    [InlineData("FediLearn:Delivery:PerHostConcurrency", "0")]
    [InlineData("FediLearn:RateLimits:InboxPerHostPerMinute", "0")]
    [InlineData("FediLearn:Delivery:DeadHostAfter", "01:00:00")]
    [InlineData("FediLearn:ReadCache:MaxEntries", "1")]
    public void Zero_and_boundary_values_that_mean_something_pass(string setting, string value)
    {
        Assert.True(Validator.Validate(null, Bound(setting, value)).Succeeded);
    }

    /// <summary>The options with one setting as configuration would bind it (<c>FediLearn:…</c>, a string).</summary>
    private static FediLearnOptions Bound(string setting, string value)
    {
        var options = new FediLearnOptions();
        new ConfigurationBuilder().AddInMemoryCollection([new(setting, value)]).Build().GetSection("FediLearn").Bind(options);
        return options;
    }

    [Fact]
    public void Defaults_pass() => Assert.Equal(ValidateOptionsResult.Success, Validator.Validate(null, new FediLearnOptions()));

    [Fact]
    public void Postgres_without_a_connection_string_names_the_setting()
    {
        var options = new FediLearnOptions { Database = { Provider = DatabaseProvider.Postgres } };
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.Contains("FediLearn:Database:ConnectionString", failure);
        Assert.Contains("Postgres", failure);
    }

    [Fact]
    public void Postgres_with_a_connection_string_passes()
    {
        var options = new FediLearnOptions { Database = { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=db;Database=fedilearn" } };
        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("garbage=;")] // Npgsql: KeyNotFoundException, which was a crash at start until 2026-12-05
    [InlineData("x")]
    [InlineData("Port=abc;Host=db")]
    [InlineData("Database=fedilearn")] // no Host: fails only at the first connection otherwise
    [InlineData("Host=;Database=fedilearn")]
    public void A_postgres_connection_string_that_does_not_parse_is_named(string connectionString)
    {
        var options = new FediLearnOptions { Database = { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString } };
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.StartsWith("FediLearn:Database:ConnectionString is not a valid PostgreSQL connection string: ", failure);
    }

    [Fact]
    public void A_sqlite_connection_string_that_does_not_parse_is_named()
    {
        var options = new FediLearnOptions { Database = { ConnectionString = "x" } };
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.StartsWith("FediLearn:Database:ConnectionString is not a valid SQLite connection string: ", failure);
        Assert.True(Validator.Validate(null, new FediLearnOptions { Database = { ConnectionString = "Data Source=/srv/f.db;Default Timeout=30" } }).Succeeded);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new FediLearnOptions
        {
            PublicUrl = "ftp://x",
            DataPath = " ",
            Delivery = { MaxAttempts = 0, Lease = TimeSpan.FromSeconds(1) },
        };
        var failures = Validator.Validate(null, options).Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("FediLearn:PublicUrl"));
        Assert.Contains(failures, f => f.Contains("FediLearn:DataPath"));
        Assert.Contains(failures, f => f.Contains("FediLearn:Delivery:MaxAttempts"));
        Assert.Contains(failures, f => f.Contains("FediLearn:Delivery:Lease"));
    }

    [Fact]
    public void AddFediLearnCore_applies_the_validator_to_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["FediLearn:PublicUrl"] = "https://coop.example/sub" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddFediLearnCore(configuration).BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<FediLearnOptions>>().Value);
        Assert.Contains("FediLearn:PublicUrl", e.Message);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.500")]
    [InlineData("02:00:00")]
    public void ScheduleInterval_out_of_range_is_named_in_the_message(string interval)
    {
        var options = new FediLearnOptions { Delivery = { ScheduleInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) } };
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.Contains("FediLearn:Delivery:ScheduleInterval", failure);
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("01:00:01")]
    public void VoteTotalsDelay_out_of_range_is_named_in_the_message(string delay)
    {
        var options = new FediLearnOptions { Delivery = { VoteTotalsDelay = TimeSpan.Parse(delay, System.Globalization.CultureInfo.InvariantCulture) } };
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.Contains("FediLearn:Delivery:VoteTotalsDelay", failure);
        Assert.True(Validator.Validate(null, new FediLearnOptions { Delivery = { VoteTotalsDelay = TimeSpan.Zero } }).Succeeded);
    }

    [Theory]
    [InlineData("ProcessedInbox", "6.00:00:00")] // shorter than a sender's retries: a retried delivery would be applied twice
    [InlineData("FinishedJobs", "00:30:00")]
    [InlineData("Interval", "00:00:30")]
    [InlineData("Interval", "2.00:00:00")]
    public void Retention_out_of_range_is_named_in_the_message(string setting, string value)
    {
        var options = new FediLearnOptions();
        typeof(RetentionOptions).GetProperty(setting)!.SetValue(options.Retention, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        var failure = Assert.Single(Validator.Validate(null, options).Failures!);
        Assert.Contains($"FediLearn:Retention:{setting}", failure);
    }

    [Fact]
    public void Retention_batch_size_out_of_range_is_named_in_the_message()
    {
        var options = new FediLearnOptions { Retention = { BatchSize = 0 } };
        Assert.Contains("FediLearn:Retention:BatchSize", Assert.Single(Validator.Validate(null, options).Failures!));
    }

    [Fact]
    public void Media_path_defaults_to_the_data_folder_and_may_point_elsewhere()
    {
        var options = new FediLearnOptions { DataPath = "/srv/fedilearn" };
        Assert.Equal(Path.GetFullPath("/srv/fedilearn/media"), options.Media.ResolvePath(options));
        options.Media.Path = "/mnt/shared/media";
        Assert.Equal("/mnt/shared/media", options.Media.ResolvePath(options));
        Assert.True(Validator.Validate(null, options).Succeeded);
        options.Media.Path = "/mnt/\0bad"; // a NUL cannot be in a path
        Assert.Contains("FediLearn:Media:Path", Assert.Single(Validator.Validate(null, options).Failures!));
    }
}
