using System.Diagnostics;

namespace FediLearn.Core.Tests.Feeds;

/// <summary>
/// Runs Debian's own Python (/usr/bin/python3, not a pyenv/venv python3 that may come first on PATH and cannot see
/// Debian's packages) as an independent parser of what we write. A missing interpreter or module FAILS the test
/// with the fix: these checks must not silently disappear on a machine that lacks them.
/// </summary>
internal static class DebianPython
{
    public const string Interpreter = "/usr/bin/python3";

    private const string Fix = "Run scripts/install-test-deps.sh (installs Debian's python3-icalendar with apt-get).";

    /// <summary>Fails the test unless /usr/bin/python3 exists and can import <paramref name="module"/>.</summary>
    public static void RequireModule(string module)
    {
        if (!File.Exists(Interpreter))
            Assert.Fail($"{Interpreter} is missing; this test needs Debian's python3 with the '{module}' module. {Fix}");
        var (exit, _, stderr) = Run($"import {module}");
        if (exit != 0)
            Assert.Fail($"{Interpreter} cannot import '{module}' ({stderr.Trim()}). {Fix}");
    }

    /// <summary>Runs <c>/usr/bin/python3 -c script args…</c> and returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Keep a user's environment from redirecting Debian's python to other site-packages.
        psi.Environment.Remove("PYTHONPATH");
        psi.Environment.Remove("PYTHONHOME");
        psi.Environment["PYTHONIOENCODING"] = "utf-8";

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {Interpreter}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{Interpreter} did not finish within 60 s.");
        }
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
