using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FediLearn.Web.Tests;

/// <summary>
/// StartFailureLogging lowers one entry of the generic host's log, and only that one: a real host (not a node process, so
/// that a worker can be made to fail) with the wrapper registered as Program.cs registers it, and a provider recording
/// what reaches it at Information and above, as the console does by default.
/// </summary>
public sealed class StartFailureLoggingTests
{
    [Fact]
    public async Task A_start_failure_the_line_explains_is_at_Debug_and_others_keep_their_level()
    {
        var taken = new IOException("Failed to bind to address http://127.0.0.1:1: address already in use.",
            new AddressInUseException("Address already in use", new SocketException((int)SocketError.AddressAlreadyInUse)));
        var explained = await StartAsync(new FailingStart(taken));
        Assert.DoesNotContain(explained, e => e.Message == "Hosting failed to start");
        Assert.True(StartFailure.Explains(taken));

        // A failure StartFailure does not explain (a bug in a worker's start) keeps its stack trace in the log.
        var bug = await StartAsync(new FailingStart(new NullReferenceException()));
        var logged = Assert.Single(bug, e => e.Message == "Hosting failed to start");
        Assert.Equal((LogLevel.Error, 11), (logged.Level, logged.EventId));
        Assert.IsType<NullReferenceException>(logged.Exception);
    }

    [Fact]
    public async Task A_background_service_that_fails_is_still_logged()
    {
        var entries = new ConcurrentQueue<Entry>();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(new Recorder(entries));
        StartFailureLogging.Register(builder.Services);
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        builder.Services.AddHostedService<FailingWorker>();
        using var host = builder.Build();
        await host.StartAsync();
        for (var i = 0; i < 100 && !entries.Any(e => e.Message == "BackgroundService failed"); i++) await Task.Delay(50);
        await host.StopAsync();
        var logged = Assert.Single(entries, e => e.Message == "BackgroundService failed");
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.IsType<InvalidOperationException>(logged.Exception);
    }

    private static async Task<List<Entry>> StartAsync(IHostedService service)
    {
        var entries = new ConcurrentQueue<Entry>();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(new Recorder(entries));
        StartFailureLogging.Register(builder.Services);
        builder.Services.AddSingleton(service);
        using var host = builder.Build();
        await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        return [.. entries];
    }

    private sealed record Entry(LogLevel Level, int EventId, string Message, Exception? Exception);

    private sealed class FailingStart(Exception exception) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromException(exception);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FailingWorker : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the worker failed");
        }
    }

    private sealed class Recorder(ConcurrentQueue<Entry> entries) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) entries.Enqueue(new Entry(logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }
}
