using System.Runtime.CompilerServices;
using Npgsql;

namespace FediLearn.Core.Data;

/// <summary>
/// What a PostgreSQL connection string says, read once for the settings check, the start-up error and
/// <c>copy-to-postgres --to</c>. Only PostgreSQL paths call it: its signatures name no Npgsql type, so a SQLite node
/// that never calls it never loads Npgsql (docs/performance.md, "Npgsql's provider no longer loaded on a SQLite node"),
/// and neither method is inlined into a caller that every node compiles.
/// </summary>
public static class PostgresConnectionStrings
{
    /// <summary>
    /// Why the string cannot be used, or null. Npgsql answers most malformed strings with an ArgumentException and an
    /// unknown keyword without a value ("garbage=;") with a KeyNotFoundException; a string without Host would fail only
    /// at the first connection, so it is named here.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string? Problem(string connectionString)
    {
        try
        {
            return string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host)
                ? "it names no Host (e.g. \"Host=127.0.0.1;Port=5432;Username=fedilearn;Password=…;Database=fedilearn\")."
                : null;
        }
        catch (KeyNotFoundException)
        {
            return "it has a keyword without a value that Npgsql does not know.";
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return e.Message;
        }
    }

    /// <summary>"host …, port …, database …" of a string that <see cref="Problem"/> accepted, for an error message.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host {b.Host}, port {b.Port}, database {b.Database}";
    }
}
