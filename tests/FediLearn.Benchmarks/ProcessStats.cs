using System.Globalization;
using System.Text;

namespace FediLearn.Benchmarks;

/// <summary>Linux /proc readings of the server process: resident memory and CPU time.</summary>
public static class ProcessStats
{
    /// <summary>
    /// The pid of the FediLearn server started for <paramref name="dataPath"/>: a process running FediLearn.Web.dll
    /// with no CLI verb whose environment carries that data path (NodeProcess does not expose its process).
    /// </summary>
    public static int? FindServerPid(string dataPath)
    {
        var marker = Encoding.UTF8.GetBytes($"FediLearn__DataPath={dataPath}\0");
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (args.Length != 2 || !args[1].EndsWith("FediLearn.Web.dll", StringComparison.Ordinal)) continue;
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(marker) >= 0) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    /// <summary>
    /// How long a benchmark leaves the node quiet before it reads the node's idle memory: past the node's idle trim
    /// (FediLearn:Memory:IdleTrimAfter, 2 s by default, checked every 250 ms), which gives the GC's spare memory back
    /// (docs/performance.md, "Memory"). The benchmarks also print the reading after 1 s, and how many idle trims the node had logged at each reading.
    /// </summary>
    public static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(3);

    /// <summary>
    /// With FEDILEARN_BENCH_SMAPS=&lt;folder&gt;, copies the node's /proc/&lt;pid&gt;/smaps there as &lt;name&gt;.smaps: which
    /// mappings (assemblies, the runtime's executable memory, anonymous memory) a memory reading is made of.
    /// </summary>
    public static void SaveMappings(int pid, string name)
    {
        if (Environment.GetEnvironmentVariable("FEDILEARN_BENCH_SMAPS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        try { File.WriteAllText(Path.Combine(folder, name + ".smaps"), File.ReadAllText($"/proc/{pid}/smaps")); }
        catch (IOException) { }
    }

    /// <summary>The node's log level that makes it log each idle trim, for <see cref="IdleTrims"/>.</summary>
    public static readonly KeyValuePair<string, string> TrimLogging = new("Logging__LogLevel__FediLearn.Core.Services.IdleMemoryTrimmer", "Debug");

    /// <summary>Idle trims the node has logged so far (with <see cref="TrimLogging"/>): whether one came before an idle reading.</summary>
    public static int IdleTrims(string nodeOutput) =>
        nodeOutput.Split('\n').Count(line => line.Contains("Memory trim (idle)", StringComparison.Ordinal));

    /// <summary>VmRSS (or VmHWM, the peak) in MB.</summary>
    public static double? ResidentMb(int pid, string field = "VmRSS")
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>User + system CPU time of a process (clock ticks of 10 ms on Linux).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ", field 3 (state) is index 0: utime is field 14 → index 11, stime index 12.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}
