using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;

namespace FediLearn.ActivityPub.Tests.Json;

/// <summary>
/// Every captured document in federation-fixtures/ parses, and every actor among them reads as an actor.
/// Files are discovered at run time, so fixtures added later (e.g. fedify/) are covered without touching this test.
/// </summary>
public class FixtureReaderTests
{
    internal static string FixtureRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FediLearn.sln")))
                    return Path.Combine(dir.FullName, "federation-fixtures");
            }
            throw new DirectoryNotFoundException("FediLearn.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static TheoryData<string> AllFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(FixtureRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(FixtureRoot, file).Replace('\\', '/'));
        return data;
    }

    internal static string Read(string relativePath) => File.ReadAllText(Path.Combine(FixtureRoot, relativePath));

    [Fact]
    public void Fixture_folder_holds_captures_from_several_servers()
    {
        foreach (var required in new[] { "mastodon/actor.json", "mastodon/follow.json", "mastodon/undo-follow.json",
                     "mastodon/accept-follow.json", "lemmy/group.json", "lemmy/accept-follow.json" })
            Assert.True(File.Exists(Path.Combine(FixtureRoot, required)), required);
        Assert.True(File.Exists(Path.Combine(FixtureRoot, "README.md")));
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_fixture_parses_and_every_actor_fixture_reads_as_an_actor(string fixture)
    {
        var bytes = File.ReadAllBytes(Path.Combine(FixtureRoot, fixture));

        var json = ActivityJson.Parse(bytes);

        if (ActorDocument.IsActorType(json))
        {
            var actor = ActorDocument.Parse(json);
            Assert.Equal(ActivityJson.GetString(json, "id"), actor.Id);
            Assert.StartsWith("http", actor.Inbox);
            Assert.NotEmpty(actor.PublicKeys.Concat<object>(actor.AssertionMethods));
        }
    }

    [Fact]
    public void Every_fixture_is_described_in_a_readme()
    {
        var readmes = Directory.EnumerateFiles(FixtureRoot, "README.md", SearchOption.AllDirectories)
            .Select(File.ReadAllText).ToList();
        foreach (var fixture in AllFixtures().Cast<object[]>().Select(row => (string)row[0]))
        {
            var name = Path.GetFileName(fixture);
            Assert.True(readmes.Any(r => r.Contains(fixture) || r.Contains(name)),
                $"{fixture} has no provenance in a README.md");
        }
    }
}
