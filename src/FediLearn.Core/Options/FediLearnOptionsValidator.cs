using Microsoft.Extensions.Options;

namespace FediLearn.Core.Options;

/// <summary>Fails start-up with a message naming the setting, instead of a stack trace later.</summary>
public sealed class FediLearnOptionsValidator : IValidateOptions<FediLearnOptions>
{
    public ValidateOptionsResult Validate(string? name, FediLearnOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add($"FediLearn:PublicUrl must be an absolute http(s) origin such as https://coop.example (got \"{options.PublicUrl}\").");
        }
        if (string.IsNullOrWhiteSpace(options.DataPath))
            errors.Add("FediLearn:DataPath must name a folder (default ./data).");
        if (options.Federation.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024)
            errors.Add("FediLearn:Federation:MaxBodyBytes must be between 1024 and 16777216.");
        if (options.Federation.ConnectTimeout <= TimeSpan.Zero || options.Federation.RequestTimeout <= TimeSpan.Zero)
            errors.Add("FediLearn:Federation:ConnectTimeout and RequestTimeout must be positive.");
        var d = options.Delivery;
        if (d.RetryBaseDelay <= TimeSpan.Zero) errors.Add("FediLearn:Delivery:RetryBaseDelay must be positive.");
        if (d.MaxRetryDelay < d.RetryBaseDelay) errors.Add("FediLearn:Delivery:MaxRetryDelay must be at least RetryBaseDelay.");
        if (d.MaxAttempts is < 1 or > 100) errors.Add("FediLearn:Delivery:MaxAttempts must be between 1 and 100.");
        if (d.Concurrency is < 1 or > 256) errors.Add("FediLearn:Delivery:Concurrency must be between 1 and 256.");
        if (d.PollInterval <= TimeSpan.Zero) errors.Add("FediLearn:Delivery:PollInterval must be positive.");
        if (d.PerHostConcurrency < 0) errors.Add("FediLearn:Delivery:PerHostConcurrency must be 0 (no limit) or more.");
        if (d.DeadHostAfter < TimeSpan.FromHours(1))
            errors.Add("FediLearn:Delivery:DeadHostAfter must be at least 01:00:00: a server down for a moment would otherwise be skipped until it writes to us.");
        if (d.Lease < TimeSpan.FromSeconds(10)) errors.Add("FediLearn:Delivery:Lease must be at least 10 seconds.");
        if (d.ScheduleInterval < TimeSpan.FromSeconds(1) || d.ScheduleInterval > TimeSpan.FromHours(1))
            errors.Add("FediLearn:Delivery:ScheduleInterval must be between 00:00:01 and 01:00:00.");
        if (d.VoteTotalsDelay < TimeSpan.Zero || d.VoteTotalsDelay > TimeSpan.FromHours(1))
            errors.Add("FediLearn:Delivery:VoteTotalsDelay must be between 00:00:00 and 01:00:00.");
        if (options.Inbox.BatchSize is < 1 or > 1000) errors.Add("FediLearn:Inbox:BatchSize must be between 1 and 1000.");
        if (options.Inbox.Concurrency is < 1 or > 64) errors.Add("FediLearn:Inbox:Concurrency must be between 1 and 64.");
        var r = options.Retention;
        if (r.FinishedJobs < TimeSpan.FromHours(1)) errors.Add("FediLearn:Retention:FinishedJobs must be at least 01:00:00.");
        if (r.ProcessedInbox < TimeSpan.FromDays(7))
            errors.Add("FediLearn:Retention:ProcessedInbox must be at least 7.00:00:00: senders retry a delivery for about a week, and a retry must still be recognised as a duplicate.");
        if (r.Interval < TimeSpan.FromMinutes(1) || r.Interval > TimeSpan.FromDays(1))
            errors.Add("FediLearn:Retention:Interval must be between 00:01:00 and 1.00:00:00.");
        if (r.BatchSize is < 10 or > 100_000) errors.Add("FediLearn:Retention:BatchSize must be between 10 and 100000.");
        var idleTrim = options.Memory.IdleTrimAfter;
        if (idleTrim != TimeSpan.Zero && (idleTrim < TimeSpan.FromSeconds(1) || idleTrim > TimeSpan.FromHours(1)))
            errors.Add("FediLearn:Memory:IdleTrimAfter must be 00:00:00 (off) or between 00:00:01 and 01:00:00.");
        if (options.Media.MaxBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add("FediLearn:Media:MaxBytes must be between 1024 and 2147483648.");
        if (options.Media.Path is { Length: > 0 } mediaPath && mediaPath.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
            errors.Add("FediLearn:Media:Path must name a folder (empty: {DataPath}/media).");
        if (!Enum.IsDefined(options.Database.Provider))
            errors.Add($"FediLearn:Database:Provider must be \"Sqlite\" or \"Postgres\" (got \"{options.Database.Provider}\").");
        if (options.Database.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(options.Database.ConnectionString))
            errors.Add("FediLearn:Database:ConnectionString is required when FediLearn:Database:Provider is \"Postgres\" "
                       + "(e.g. \"Host=127.0.0.1;Port=5432;Username=fedilearn;Password=…;Database=fedilearn\").");
        else if (options.Database.Provider == DatabaseProvider.Postgres && Data.PostgresConnectionStrings.Problem(options.Database.ConnectionString!) is { } pgProblem)
            errors.Add($"FediLearn:Database:ConnectionString is not a valid PostgreSQL connection string: {pgProblem}");
        if (options.Database.Provider == DatabaseProvider.Sqlite && options.Database.ConnectionString is { Length: > 0 } sqlite
            && SqliteConnectionStringProblem(sqlite) is { } sqliteProblem)
            errors.Add($"FediLearn:Database:ConnectionString is not a valid SQLite connection string: {sqliteProblem}");
        foreach (var proxy in options.ReverseProxy.TrustedProxies)
            if (!System.Net.IPNetwork.TryParse(proxy, out _) && !System.Net.IPAddress.TryParse(proxy, out _))
                errors.Add($"FediLearn:ReverseProxy:TrustedProxies: \"{proxy}\" is not an address (10.0.0.5) or a network (10.0.0.0/24).");
        if (options.ReadCache.Seconds is < 0 or > 60 || double.IsNaN(options.ReadCache.Seconds)) // NaN compares false to both bounds
            errors.Add("FediLearn:ReadCache:Seconds must be between 0 (off) and 60: it is how stale a document may be after another process changed it.");
        if (options.ReadCache.MaxEntries < 1) errors.Add("FediLearn:ReadCache:MaxEntries must be at least 1.");
        var limits = options.RateLimits;
        foreach (var (limitName, value) in new[]
                 {
                     ("InboxPerHostPerMinute", limits.InboxPerHostPerMinute), ("FetchPerHostPerMinute", limits.FetchPerHostPerMinute),
                     ("ApiPerTokenPerMinute", limits.ApiPerTokenPerMinute), ("LoginPerAddressPerMinute", limits.LoginPerAddressPerMinute),
                 })
            if (value < 0) errors.Add($"FediLearn:RateLimits:{limitName} must be 0 (no limit) or more.");
        if (options.Metrics.Token is { Length: > 0 and < 16 })
            errors.Add("FediLearn:Metrics:Token must be at least 16 characters (or empty to turn /metrics off).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Called only for SQLite's provider; PostgreSQL's strings are read by Data.PostgresConnectionStrings.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string? SqliteConnectionStringProblem(string connectionString)
    {
        try
        {
            _ = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or FormatException)
        {
            return e.Message;
        }
    }
}
