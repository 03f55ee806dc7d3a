using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FediLearn.Testing;

public sealed record CliResult(int ExitCode, string StdOut, string StdErr);

/// <summary>
/// A real FediLearn server process on 127.0.0.1:&lt;free port&gt; with its own data folder (design.md §3.9):
/// federation tests cross real HTTP between real processes, and can kill and restart them.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Dictionary<string, string> _environment;
    private Process? _process;

    private NodeProcess(string name, int port, string dataPath, IReadOnlyDictionary<string, string>? settings)
    {
        Name = name;
        Port = port;
        DataPath = dataPath;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _environment = new Dictionary<string, string>
        {
            ["FediLearn__PublicUrl"] = $"http://127.0.0.1:{port}",
            ["FediLearn__DataPath"] = dataPath,
            ["FediLearn__NodeName"] = $"Test node {name}",
            ["FediLearn__Federation__AllowPrivateAddresses"] = "true",
            ["FediLearn__Delivery__RetryBaseDelay"] = "00:00:01",
            ["FediLearn__Delivery__MaxRetryDelay"] = "00:00:05",
            ["FediLearn__Delivery__PollInterval"] = "00:00:00.200",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) _environment[key] = value;
    }

    public string Name { get; }
    public int Port { get; }
    public string DataPath { get; }
    public Uri BaseUrl { get; }
    public string Authority => $"127.0.0.1:{Port}";
    public string Origin => $"http://127.0.0.1:{Port}";

    /// <summary>The server process's id, while it runs (for what <c>/proc</c> says about it).</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException($"node {Name} is {State}");

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Whether the server process is still running, or how it ended: for the message of a failed request.</summary>
    public string State => _process is null ? "not started" : _process.HasExited ? $"exited with {_process.ExitCode}" : "running";

    public static async Task<NodeProcess> StartAsync(string name = "node", CancellationToken ct = default, IReadOnlyDictionary<string, string>? settings = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var dataPath = Path.Combine(Path.GetTempPath(), "fedilearn-tests", $"{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dataPath);
            var node = new NodeProcess(name, FreePort(), dataPath, settings);
            try
            {
                await node.StartProcessAsync(ct);
                return node;
            }
            catch (PortTakenException) when (attempt < 3)
            {
                await node.DisposeAsync(); // another process took the port between FreePort and this node's bind: a new port
            }
            catch
            {
                await node.DisposeAsync(); // a node that did not become ready is not left running
                throw;
            }
        }
    }

    /// <summary>The port FreePort gave was taken by another process before this node bound it.</summary>
    private sealed class PortTakenException(string message) : Exception(message);

    /// <summary>
    /// Whether process <paramref name="pid"/> holds the listening IPv4 socket of 127.0.0.1:<paramref name="port"/>
    /// (<c>/proc/net/tcp</c> names the socket's inode, <c>/proc/pid/fd</c> the process's sockets). A free port is free
    /// only until someone binds it: with test processes starting nodes side by side, another node may bind it first, and
    /// then this node's health check is answered by that one while this one fails to bind and exits.
    /// </summary>
    private static bool Listens(int pid, int port)
    {
        var local = $"0100007F:{port:X4}";
        string? inode = null;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 9 && fields[1] == local && fields[3] == "0A") { inode = fields[9]; break; }
        }
        if (inode is null) return false;
        var target = $"socket:[{inode}]";
        try
        {
            return Directory.EnumerateFiles($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget == target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Changes a setting for the next start and CLI runs, as an admin edits the node's configuration.</summary>
    public void Configure(string key, string value) => _environment[key] = value;

    public Task<CliResult> CliAsync(params string[] args) => CliWithInputAsync(null, args);

    /// <summary>Runs the admin CLI of the same executable against the same data folder, as an admin would.</summary>
    public async Task<CliResult> CliWithInputAsync(string? stdin, params string[] args)
    {
        using var process = new Process { StartInfo = StartInfo(args) };
        process.StartInfo.RedirectStandardInput = true;
        process.Start();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs the executable once, with <paramref name="args"/> and only the given settings (no node of its own), until it
    /// exits: for what a start that cannot succeed says. Killed after 60 s, so a start that does succeed fails the test.
    /// </summary>
    public static async Task<CliResult> RunOnceAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(WebAssemblyPath);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the process did not exit within 60 s:\n{await stderr}\n{await stdout}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Ends the server at once, as a crash or power cut would: no graceful shutdown (Process.Kill is SIGKILL on Linux).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    /// <summary>Changes an environment variable for the next start (e.g. HOME, to start the node "on another machine").</summary>
    public void SetEnvironment(string key, string value) => _environment[key] = value;

    public async Task RestartAsync(CancellationToken ct = default)
    {
        await KillAsync();
        await StartProcessAsync(ct);
    }

    /// <summary>
    /// Whether disposing a node that logged an EF Core warning about a query (a row limit or First without an order, a
    /// client evaluation) throws, failing the test that ran it: such a query may answer differently from one run to the
    /// next, and the warning lands in every operator's log. The benchmarks turn it off: they print the server's log.
    /// </summary>
    public static bool FailOnQueryWarnings { get; set; } = true;

    /// <summary>
    /// The entries of <see cref="Output"/> whose first line matches <paramref name="header"/>, each with its message: the
    /// console logger writes "warn: Category[id]" on one line and the message, indented, on the next.
    /// </summary>
    public IReadOnlyList<string> LogEntries(Func<string, bool> header)
    {
        var lines = Output.Split('\n');
        return Enumerable.Range(0, lines.Length).Where(i => header(lines[i]))
            .Select(i => lines[i].Trim() + (i + 1 < lines.Length ? " " + lines[i + 1].Trim() : ""))
            .ToList();
    }

    /// <summary>The EF Core query and model warnings in <see cref="Output"/>, each with its message line.</summary>
    public IReadOnlyList<string> QueryWarnings() => LogEntries(line =>
        line.StartsWith("warn: Microsoft.EntityFrameworkCore.Query", StringComparison.Ordinal)
        || line.StartsWith("warn: Microsoft.EntityFrameworkCore.Model", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (FailOnQueryWarnings && QueryWarnings() is { Count: > 0 } warned)
            throw new InvalidOperationException($"node {Name} logged EF Core query warnings:\n" + string.Join("\n", warned));
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        _process?.Dispose();
        var process = new Process { StartInfo = StartInfo([]), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var answeredByAnother = false; // the port answered while this process did not hold it
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                if (answeredByAnother)
                    throw new PortTakenException($"127.0.0.1:{Port} answered another process; node {Name} exited with {process.ExitCode}:\n{Output}");
                throw new InvalidOperationException($"FediLearn node {Name} exited with {process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "health"), ct);
                if (response.IsSuccessStatusCode)
                {
                    if (!OperatingSystem.IsLinux() || Listens(process.Id, Port)) return;
                    answeredByAnother = true; // this node may still bind later (it then answers), or fail to and exit
                }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(100, ct);
        }
        if (answeredByAnother) throw new PortTakenException($"127.0.0.1:{Port} answered, but never from node {Name}:\n{Output}");
        throw new TimeoutException($"FediLearn node {Name} did not become ready:\n{Output}");
    }

    private ProcessStartInfo StartInfo(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = DataPath,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WebAssemblyPath);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in _environment) info.Environment[key] = value;
        // Runtime settings for the node's process only, not the benchmark's or the test's own (an A/B of a DOTNET_ variable):
        // FEDILEARN_NODE_ENV_DOTNET_GCgen0size=0x1000000 reaches the node as DOTNET_GCgen0size.
        foreach (var (key, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Select(e => ((string)e.Key, (string?)e.Value)))
        {
            if (key.StartsWith(NodeOnlyPrefix, StringComparison.Ordinal) && key.Length > NodeOnlyPrefix.Length && !string.IsNullOrEmpty(value))
                info.Environment[key[NodeOnlyPrefix.Length..]] = value;
        }
        return info;
    }

    /// <summary>The prefix of environment variables passed to node processes only, without it.</summary>
    public const string NodeOnlyPrefix = "FEDILEARN_NODE_ENV_";

    /// <summary>FediLearn.Web.dll as built next to the tests (it is a project reference).</summary>
    public static string WebAssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "FediLearn.Web.dll");
}
