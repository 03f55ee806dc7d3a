using FediLearn.ActivityPub.Keys;
using FediLearn.Testing;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// security.md principle 8: private keys never appear in logs. A node logging everything (Trace, framework and EF Core
/// categories included) goes through the paths that handle keys: creating a group (key generation), a remote follow
/// (fetching the follower's key with a signed GET, a signed Accept), publishing and delivering (signed POSTs). Its
/// stdout/stderr and the CLI's output must contain no PEM private key, no line of any of its private keys' base64, and
/// no Ed25519 seed in any common encoding. The twin proves the detector finds each of those when they are there.
/// </summary>
public sealed class LogSecretsTests
{
    [Fact]
    public async Task A_node_logging_at_trace_through_create_follow_publish_and_deliver_writes_no_private_key()
    {
        var trace = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Trace",
            ["Logging__LogLevel__System.Net.Http"] = "Trace",
        };
        await using var a = await PublishingNode.StartAsync("log-secrets", trace);
        await using var remote = await FakeRemoteServer.StartAsync();
        var cli = new List<CliResult> { await a.Node.CliAsync("groups", "add", "second", "--title", "Second").MustAsync() };

        (await remote.SendAsync($"{a.Group}/inbox", remote.Follow(a.Group))).Dispose();
        await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Accept", TimeSpan.FromSeconds(30));
        await a.PublishAsync("prompts", new { content = "What did you learn?" });
        var delivered = await remote.WaitForAsync(r => r.Activity.Value<string>("type") == "Create", TimeSpan.FromSeconds(30));
        Assert.True(await VerifyFromNodeAsync(delivered, remote.SharedInbox)); // really signed with a key the node holds
        cli.Add(await a.Node.CliAsync("followers", "list", "rust").MustAsync());

        var (pems, seeds) = NodePrivateKeys(a.Node);
        Assert.True(pems.Count >= 3, "the instance actor, ana and the groups have keys"); // the detector is given real keys
        var logged = a.Node.Output + string.Join("\n", cli.Select(c => c.StdOut + c.StdErr));
        Assert.Contains("Microsoft.EntityFrameworkCore", logged); // Trace logging really was on
        Assert.Empty(SecretDetector.Find(logged, pems, seeds));
    }

    [Fact]
    public void Twin_the_detector_finds_a_private_key_pem_a_line_of_its_body_and_an_ed25519_seed()
    {
        var (privatePem, _) = KeyGenerator.NewRsa2048();
        var seed = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
        var line = privatePem.Split('\n', StringSplitOptions.TrimEntries).First(l => l.Length >= 60 && !l.StartsWith("-----", StringComparison.Ordinal));

        Assert.NotEmpty(SecretDetector.Find($"info: key {privatePem}", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find($"dbug: ... {line} ...", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find("trce: -----BEGIN RSA PRIVATE KEY----- (elided)", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find($"seed={Convert.ToBase64String(seed)}", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find($"seed={Convert.ToHexString(seed)}", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find($"seed={Convert.ToHexStringLower(seed)}", [privatePem], [seed]));
        Assert.NotEmpty(SecretDetector.Find($"seed={Convert.ToBase64String(seed).TrimEnd('=').Replace('+', '-').Replace('/', '_')}", [privatePem], [seed]));
        // ...and stays quiet on the public half.
        var (_, publicPem) = KeyGenerator.NewRsa2048();
        Assert.Empty(SecretDetector.Find(publicPem, [privatePem], [seed]));
    }

    /// <summary>Every local actor's RSA private key and Ed25519 seed, read from the node's database.</summary>
    private static (List<string> Pems, List<byte[]> Seeds) NodePrivateKeys(NodeProcess node)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(node.DataPath, "fedilearn.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rsa_private_key_pem, ed25519_seed FROM local_actors";
        using var reader = command.ExecuteReader();
        var (pems, seeds) = (new List<string>(), new List<byte[]>());
        while (reader.Read())
        {
            pems.Add(reader.GetString(0));
            seeds.Add((byte[])reader[1]);
        }
        return (pems, seeds);
    }
}

/// <summary>Looks for private key material in text: PEM private key headers, any base64 line of the given keys, the seeds in base64, base64url or hex.</summary>
internal static class SecretDetector
{
    private static readonly string[] Headers = ["BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY", "BEGIN EC PRIVATE KEY", "BEGIN OPENSSH PRIVATE KEY"];

    public static List<string> Find(string text, IEnumerable<string> privatePems, IEnumerable<byte[]> seeds)
    {
        var found = Headers.Where(h => text.Contains(h, StringComparison.Ordinal)).Select(h => $"PEM header \"{h}\"").ToList();
        foreach (var pem in privatePems)
        {
            var lines = pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
            var body = string.Concat(lines);
            // Whole body (logged on one line), or any full 64-character line of it; the last, short line is too short to be telling.
            if (text.Contains(body, StringComparison.Ordinal)) found.Add("a private key's base64 body");
            found.AddRange(lines.Where(l => l.Length >= 40 && text.Contains(l, StringComparison.Ordinal)).Select(l => $"a private key line {l[..8]}…"));
        }
        foreach (var seed in seeds.Where(s => s.Length > 0))
        {
            var base64 = Convert.ToBase64String(seed);
            string[] forms = [base64, base64.TrimEnd('='), base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'), Convert.ToHexString(seed), Convert.ToHexStringLower(seed)];
            if (forms.Any(f => text.Contains(f, StringComparison.Ordinal))) found.Add("an Ed25519 seed");
        }
        return found;
    }
}
