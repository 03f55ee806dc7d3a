using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Tests;

/// <summary>
/// Golden JSON files under Golden/ (design.md §3.10): compared structurally; regenerated only on purpose,
/// by running the tests with UPDATE_GOLDEN=1 and reviewing the diff.
/// </summary>
internal static class GoldenFile
{
    public static void AssertMatches(string name, JToken actual)
    {
        var path = Path.Combine(TestPaths.ProjectDir, "Golden", name);
        var actualPath = Path.ChangeExtension(path, ".actual.json");
        var actualText = actual.ToString(Formatting.Indented).Replace("\r\n", "\n") + "\n";

        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actualText);
            File.Delete(actualPath);
            return;
        }
        Assert.True(File.Exists(path),
            $"Golden file {path} does not exist. Create it on purpose with UPDATE_GOLDEN=1 dotnet test tests/FediLearn.Core.Tests, then review it.");

        var expected = Parse(File.ReadAllText(path));
        if (JToken.DeepEquals(expected, Parse(actualText)))
        {
            File.Delete(actualPath);
            return;
        }
        File.WriteAllText(actualPath, actualText);
        Assert.Fail($"Rendered JSON differs from the golden file {path}.\n"
                    + $"The actual output was written to {actualPath}; compare them (e.g. diff -u). "
                    + "If the change is intended, accept it with UPDATE_GOLDEN=1 dotnet test tests/FediLearn.Core.Tests and commit the new golden file.\n"
                    + $"First difference: {FirstDifference(expected, Parse(actualText), "$")}");
    }

    /// <summary>Dates stay strings, so the comparison is of the JSON text values, not of parsed DateTimes.</summary>
    private static JToken Parse(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None };
        return JToken.ReadFrom(reader);
    }

    private static string FirstDifference(JToken expected, JToken actual, string path)
    {
        if (expected.Type != actual.Type) return $"{path}: expected {expected.Type} {expected}, got {actual.Type} {actual}";
        switch (expected)
        {
            case JObject e:
                var a = (JObject)actual;
                foreach (var p in e.Properties())
                {
                    if (a[p.Name] is not { } av) return $"{path}.{p.Name}: missing";
                    if (!JToken.DeepEquals(p.Value, av)) return FirstDifference(p.Value, av, $"{path}.{p.Name}");
                }
                var extra = a.Properties().FirstOrDefault(p => e[p.Name] is null);
                return extra is null ? path : $"{path}.{extra.Name}: unexpected";
            case JArray ea:
                var aa = (JArray)actual;
                if (ea.Count != aa.Count) return $"{path}: expected {ea.Count} items, got {aa.Count}";
                for (var i = 0; i < ea.Count; i++)
                    if (!JToken.DeepEquals(ea[i], aa[i])) return FirstDifference(ea[i], aa[i], $"{path}[{i}]");
                return path;
            default:
                return $"{path}: expected {expected.ToString(Formatting.None)}, got {actual.ToString(Formatting.None)}";
        }
    }
}
