using System.Diagnostics;
using System.Text;
using FediLearn.ActivityPub.Json;
using FediLearn.ActivityPub.Vocabulary;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Json;

/// <summary>
/// Issue 6 item 6, the reader half: 10 000 mutants of every captured document in federation-fixtures/ go through
/// <see cref="ActivityJson"/> and <see cref="ActorDocument"/> as the inbox and the key fetcher use them. The only
/// exception allowed out is the documented <see cref="ActivityJsonException"/>; an InvalidCastException,
/// NullReferenceException, stack overflow or the like is a bug. The seed is fixed and printed with every failure.
/// </summary>
public class JsonReaderFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Seed = 20261202;
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), out var n) ? n : 10_000;

    [Fact]
    public void Mutated_fixtures_are_read_or_refused_with_an_ActivityJsonException_only()
    {
        var seeds = Directory.EnumerateFiles(FixtureReaderTests.FixtureRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(file => (Name: Path.GetRelativePath(FixtureReaderTests.FixtureRoot, file), Json: File.ReadAllText(file))).ToList();
        Assert.True(seeds.Count >= 10, $"only {seeds.Count} fixtures");
        var mutator = new JsonMutator(Seed, ["https://remote.example/users/bob", "http://127.0.0.1:1/x", "https://www.w3.org/ns/activitystreams"]);
        var clock = Stopwatch.StartNew();
        var slowest = (Time: TimeSpan.Zero, What: "");
        int parsed = 0, refused = 0, actors = 0;
        for (var n = 0; n < Cases; n++)
        {
            var (name, json) = seeds[n % seeds.Count];
            var started = clock.Elapsed;
            var mutant = mutator.Next(name, json);
            try
            {
                var document = n % 2 == 0 ? ActivityJson.Parse(mutant.Body) : ActivityJson.Parse(DecodeLeniently(mutant.Body));
                parsed++;
                ReadLikeTheServer(document);
                if (TryReadActor(document)) actors++;
            }
            catch (ActivityJsonException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, case {n} ({mutant.Description}): {e.GetType().Name} escaped: {e.Message}\n{Preview(mutant)}\n{e}");
            }
            if (clock.Elapsed - started > slowest.Time) slowest = (clock.Elapsed - started, mutant.Description);
        }
        output.WriteLine($"seed {Seed}: {Cases} cases from {seeds.Count} fixtures in {clock.Elapsed.TotalSeconds:0.0} s: {parsed} parsed ({actors} still actors), {refused} refused; slowest {slowest.Time.TotalMilliseconds:0} ms ({slowest.What})");
        Assert.True(parsed > Cases / 3 && refused > Cases / 10, $"seed {Seed}: {parsed} parsed, {refused} refused: the mutations are not reaching both paths");
        Assert.True(actors > 100, $"seed {Seed}: only {actors} mutants still read as actors");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(Cases / 200.0), $"{Cases} cases took {clock.Elapsed.TotalSeconds:0} s; the slowest ({slowest.Time.TotalMilliseconds:0} ms): {slowest.What}");
    }

    /// <summary>The reads the inbox endpoint, the handlers and the resolver make on a parsed document.</summary>
    private static void ReadLikeTheServer(JObject document)
    {
        _ = ActivityJson.GetTypes(document);
        _ = ActivityJson.GetId(document["actor"]);
        _ = ActivityJson.HasType(document, "Delete");
        foreach (var property in new[] { "id", "type", "actor", "object", "target", "to", "cc", "tag", "inReplyTo", "attributedTo", "content", "published", "inbox" })
        {
            _ = ActivityJson.GetId(document[property]);
            _ = ActivityJson.GetIds(document[property]);
            _ = ActivityJson.GetString(document, property);
        }
        if (document["object"] is JObject inner)
        {
            _ = ActivityJson.GetTypes(inner);
            _ = ActivityJson.GetIds(inner["to"]);
            _ = ActivityJson.GetString(inner, "content");
        }
        _ = ActivityJson.Serialize(document);
        _ = ActorDocument.IsActorType(document);
    }

    private static bool TryReadActor(JObject document)
    {
        try
        {
            var actor = ActorDocument.Parse(document);
            Assert.False(string.IsNullOrEmpty(actor.Id));
            Assert.False(string.IsNullOrEmpty(actor.Inbox));
            return true;
        }
        catch (ActivityJsonException)
        {
            return false;
        }
    }

    /// <summary>Parse(string) gets text that is already decoded, invalid bytes replaced: the path a caller with a string takes.</summary>
    private static string DecodeLeniently(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static string Preview(Mutant mutant) => mutant.Text.Length > 400 ? mutant.Text[..400] + "…" : mutant.Text;
}
