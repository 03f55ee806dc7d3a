using System.Net.Http.Headers;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

/// <summary>
/// A NUL character (<c>\u0000</c>) in what the API is sent. PostgreSQL takes no NUL in text: until 2026-12-07 such a
/// title, content, reason, id or upload description was a 500 there (a failed insert or look-up), and SQLite stored it
/// as sent. Now it is a 400 naming the field, on both providers, and nothing is written. An encoded NUL in a query
/// string (<c>%00</c>) was a 500 there too, wherever a value of it was looked up: now a 400 on every address.
/// </summary>
public sealed class NulTextTests
{
    [Fact]
    public Task On_SQLite_a_NUL_in_a_body_is_a_400_naming_the_field() =>
        BodiesAsync(null, (node, sql) => Task.FromResult((long)FaultHelpers.Query(node, sql).Single()[0]!));

    [PostgresFact]
    public async Task On_PostgreSQL_a_NUL_in_a_body_is_a_400_naming_the_field()
    {
        await using var database = await PostgresNodeTests.Database.CreateAsync();
        await BodiesAsync(database.Settings(), (_, sql) => database.ScalarAsync(sql));
    }

    [Fact]
    public Task On_SQLite_an_encoded_NUL_in_the_query_string_is_a_400() => QueriesAsync(null);

    [PostgresFact]
    public async Task On_PostgreSQL_an_encoded_NUL_in_the_query_string_is_a_400()
    {
        await using var database = await PostgresNodeTests.Database.CreateAsync();
        await QueriesAsync(database.Settings());
    }

    /// <summary>On PostgreSQL each was a 500 (the look-up failed); on SQLite the look-up ran, with a NUL no id has.</summary>
    private static async Task QueriesAsync(Dictionary<string, string>? settings)
    {
        await using var a = await PublishingNode.StartAsync("nul-query", settings);
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Delete, "/api/groups/rust/bans?actor=https://x.example/u%00x"),
            (HttpMethod.Get, "/api/thread?object=https://x.example/n%00"),
            (HttpMethod.Get, $"/.well-known/webfinger?resource=acct:rust%00@{a.Node.Authority}"),
        })
        {
            using var request = new HttpRequestMessage(method, a.Node.Origin + path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);
            using var response = await TestHelpers.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(400 == (int)response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
            Assert.Equal("The query string may not contain an encoded NUL (%00).", (string?)JObject.Parse(text)["error"]);
        }
        Assert.DoesNotContain("Unhandled error", a.Node.Output);
    }

    private static async Task BodiesAsync(Dictionary<string, string>? settings, Func<NodeProcess, string, Task<long>> count)
    {
        await using var a = await PublishingNode.StartAsync("nul-body", settings);
        (string Method, string Path, string Body, string Field)[] cases =
        [
            ("POST", "groups/rust/posts", """{"content":"a\u0000b"}""", "content"),
            ("POST", "groups/rust/materials", """{"title":"t\u0000","content":"x"}""", "title"),
            ("POST", "groups/rust/prompts", """{"content":"pick","choices":["a","b\u0000"]}""", "choices[1]"),
            ("POST", "groups/rust/bans", """{"actor":"https://x.example/u\u0000x"}""", "actor"),
            ("POST", "groups/rust/bans", """{"actor":"https://x.example/u","reason":"spam\u0000"}""", "reason"),
            ("POST", "groups/rust/moderation/remove", """{"reply":"https://x.example/r/1\u0000"}""", "reply"),
            ("POST", "notes", """{"content":"a\u0000b","group":"rust"}""", "content"),
        ];
        foreach (var (method, path, body, field) in cases)
        {
            using var response = await a.SendAsync(new HttpMethod(method), path, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(400 == (int)response.StatusCode, $"{method} {path} {body}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Text may not contain the NUL character (\\u0000).", (string?)JObject.Parse(text)["errors"]?[field]?[0]);
        }

        using (var upload = new MultipartFormDataContent())
        {
            upload.Add(new ByteArrayContent("GIF89a\x01\x00\x01\x00"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("image/gif") } }, "file", "x.gif");
            upload.Add(new StringContent("a\0b"), "description");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{a.Node.Origin}/api/media") { Content = upload };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);
            using var response = await TestHelpers.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(400 == (int)response.StatusCode, $"{(int)response.StatusCode} {text}");
            Assert.NotNull(JObject.Parse(text)["errors"]?["description"]);
        }

        foreach (var table in new[] { "group_items", "group_bans", "local_notes", "media_files" })
            Assert.Equal(0, await count(a.Node, $"SELECT count(*) FROM {table}"));
        Assert.DoesNotContain("Unhandled error", a.Node.Output);
    }
}
