using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FediLearn.Web;

/// <summary>
/// When Kestrel cannot start, the generic host logs the exception with its stack trace ("Hosting failed to start", event
/// 11 of Microsoft.Extensions.Hosting.Internal.Host) before Program.cs prints its one line (StartFailure). For the failures
/// StartFailure explains, that entry is a 30-line duplicate of the line: it is logged at Debug instead, so the default
/// log does not show it and <c>Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host=Debug</c> brings it back.
/// The rest of the host's log is untouched ("BackgroundService failed" above all), and so is a start failure StartFailure
/// does not explain (a bug in a worker's start), whose stack trace is what finds it. A category filter cannot do this:
/// it sees no event ids, so it would hide the whole category.
/// </summary>
internal sealed class StartFailureLogging(ILoggerFactory inner) : ILoggerFactory
{
    internal const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    internal const int HostingFailedToStart = 11; // LoggerEventIds.HostedServiceStartupFaulted in Microsoft.Extensions.Hosting

    /// <summary>Wraps the logger factory that AddLogging registers, with the same arguments the container would pass it.</summary>
    public static void Register(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(s => new StartFailureLogging(new LoggerFactory(
            s.GetServices<ILoggerProvider>(), s.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            s.GetService<IOptions<LoggerFactoryOptions>>(), s.GetService<IExternalScopeProvider>()))));

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == HostCategory ? new HostLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class HostLogger(ILogger inner) : ILogger
    {
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == HostingFailedToStart && exception is not null && StartFailure.Explains(exception))
                logLevel = LogLevel.Debug;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
    }
}
