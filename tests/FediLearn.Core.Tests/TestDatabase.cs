using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FediLearn.Core.Tests;

public enum TestProvider { Sqlite, Postgres }

/// <summary>
/// The PostgreSQL server the tests may use: FEDILEARN_TEST_POSTGRES holds a connection string to it (scripts/test-postgres.sh
/// start prints one; .ci/run exports it). Each test gets a database of its own, created here and dropped afterwards.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "FEDILEARN_TEST_POSTGRES";

    public static string? ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs ? cs : null;

    public static string SkipReason =>
        $"PostgreSQL variant: no server ({Variable} is not set; `scripts/test-postgres.sh start` prints a value, .ci/run sets it).";

    /// <summary>Creates an empty database with a fresh name; returns the connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString
            ?? throw new InvalidOperationException(SkipReason));
        var name = "fl_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        await using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Marks a test class whose node runs on PostgreSQL: its [DbFact]/[DbTheory] tests are skipped, with the reason, when no server is configured.</summary>
public interface IPostgresVariant;

/// <summary>A [Fact] that is reported as skipped (not silently passed) in a PostgreSQL variant class when no server is configured.</summary>
[XunitTestCaseDiscoverer("FediLearn.Core.Tests.DbFactDiscoverer", "FediLearn.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class DbFactAttribute : FactAttribute;

/// <summary>The [Theory] counterpart of <see cref="DbFactAttribute"/>.</summary>
[XunitTestCaseDiscoverer("FediLearn.Core.Tests.DbTheoryDiscoverer", "FediLearn.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class DbTheoryAttribute : TheoryAttribute;

internal static class DbSkip
{
    public static string? Reason(ITestMethod method) =>
        typeof(IPostgresVariant).IsAssignableFrom(method.TestClass.Class.ToRuntimeType()) && TestPostgres.ServerConnectionString is null
            ? TestPostgres.SkipReason
            : null;
}

public sealed class DbFactDiscoverer(IMessageSink sink) : FactDiscoverer(sink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute) =>
        new DbTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method);
}

public sealed class DbTheoryDiscoverer(IMessageSink sink) : TheoryDiscoverer(sink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute, object[] dataRow) =>
        [new DbTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, dataRow)];

    protected override IEnumerable<IXunitTestCase> CreateTestCasesForTheory(
        ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute) =>
        [new DbTheoryTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method)];
}

public sealed class DbTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public DbTestCase() { }

    public DbTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method, object[]? arguments = null)
        : base(sink, display, displayOptions, method, arguments) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => base.GetSkipReason(factAttribute) ?? DbSkip.Reason(TestMethod)!;
}

public sealed class DbTheoryTestCase : XunitTheoryTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public DbTheoryTestCase() { }

    public DbTheoryTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method)
        : base(sink, display, displayOptions, method) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => base.GetSkipReason(factAttribute) ?? DbSkip.Reason(TestMethod)!;
}
