using Microsoft.Extensions.Logging;

namespace FediLearn.Core.Tests;

/// <summary>
/// Records what EF Core warns about a query or the model (a row limit without an order, a client evaluation…): each is
/// a query that may answer differently from one run to the next, and a line in every operator's log. A
/// <see cref="TestNode"/> fails its test on dispose when one was logged.
/// </summary>
public sealed class QueryWarnings : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Microsoft.EntityFrameworkCore.Query", StringComparison.Ordinal)
        || categoryName.StartsWith("Microsoft.EntityFrameworkCore.Model", StringComparison.Ordinal)
            ? new Recorder(this, categoryName)
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose() { }

    private sealed class Recorder(QueryWarnings owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            // EF warns while it compiles the query, so the caller is on the stack: name our frames.
            var callers = new System.Diagnostics.StackTrace().GetFrames().Select(f => f.GetMethod())
                .Where(m => m?.DeclaringType is { FullName: { } name } type && name.StartsWith("FediLearn.", StringComparison.Ordinal)
                    && type != typeof(Recorder))
                .Select(m => $"{m!.DeclaringType!.FullName}.{m.Name}").Distinct().Take(3);
            lock (owner._lines) owner._lines.Add($"{category}[{eventId.Id}]: {formatter(state, exception)} (from {string.Join(" ← ", callers)})");
        }
    }
}
