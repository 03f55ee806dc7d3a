using System.Globalization;

namespace FediLearn.Benchmarks;

/// <summary>Median, min and max over runs.</summary>
public sealed record Stat(double Median, double Min, double Max, int Count)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Stat(double.NaN, double.NaN, double.NaN, 0);
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Stat(median, sorted[0], sorted[^1], sorted.Length);
    }

    public string Format(string format = "N0") =>
        $"median {Median.ToString(format, CultureInfo.InvariantCulture)}, min {Min.ToString(format, CultureInfo.InvariantCulture)}, max {Max.ToString(format, CultureInfo.InvariantCulture)} (n={Count})";
}

public static class Report
{
    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The one-line form every target uses: "&lt;name&gt;: &lt;value&gt; (&lt;ratio&gt; of &lt;reference&gt;, target &lt;target&gt;) PASS|MISS".</summary>
    public static void Target(string name, string value, double ratio, string reference, string target, bool pass) =>
        Console.WriteLine($"{name}: {value} ({N(ratio, "0.00")} of {reference}, target {target}) {(pass ? "PASS" : "MISS")}");

    public static void Detail(string text) => Console.WriteLine("    " + text);

    public static void Info(string text) => Console.WriteLine(text);

    /// <summary>How many warnings and errors a node logged, and the first with its message.</summary>
    public static void ServerLog(FediLearn.Testing.NodeProcess node)
    {
        var logged = node.LogEntries(l => l.Contains("warn:") || l.Contains("fail:") || l.Contains("crit:"));
        Info($"server log: {logged.Count} warning/error line(s){(logged.Count > 0 ? ", first: " + logged[0] : "")}");
    }
}
