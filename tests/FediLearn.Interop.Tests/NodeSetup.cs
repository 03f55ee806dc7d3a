using FediLearn.Testing;

namespace FediLearn.Interop.Tests;

/// <summary>Setting up a FediLearn node for the interop tests: CLI verbs that must succeed, and waiting for a follower.</summary>
internal static class NodeSetup
{
    /// <summary>Runs a CLI verb on the node; fails the test with its output unless it exits 0. Returns standard output.</summary>
    public static async Task<string> CliAsync(NodeProcess server, string? stdin, params string[] args)
    {
        var result = await server.CliWithInputAsync(stdin, args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)} failed ({result.ExitCode}): {result.StdOut}{result.StdErr}");
        return result.StdOut;
    }

    /// <summary>The group's side of a follow: the actor must be an accepted follower before anything is published.</summary>
    public static async Task WaitForFollowerAsync(NodeProcess server, string group, string actorId, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var list = await server.CliAsync("followers", "list", group);
            last = list.StdOut + list.StdErr;
            if (list.ExitCode == 0 && list.StdOut.Split('\n').Any(l => l.Trim().StartsWith($"{actorId} accepted", StringComparison.Ordinal)))
                return;
            await Task.Delay(250);
        }
        Assert.Fail($"{actorId} never became an accepted follower of {group}; last: {last}");
    }
}
