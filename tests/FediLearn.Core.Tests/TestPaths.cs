using System.Runtime.CompilerServices;

namespace FediLearn.Core.Tests;

internal static class TestPaths
{
    /// <summary>tests/FediLearn.Core.Tests in the source tree (golden files live there, not in bin/).</summary>
    public static string ProjectDir => Path.GetDirectoryName(ThisFile())!;

    public static string RepoRoot => Path.GetFullPath(Path.Combine(ProjectDir, "..", ".."));

    public static string Fixture(string relative) => Path.Combine(RepoRoot, "federation-fixtures", relative);

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
