using System.Net.Http.Headers;
using FediLearn.Testing;
using Newtonsoft.Json.Linq;

namespace FediLearn.Web.Tests;

/// <summary>
/// An upload's description is kept to its first 1,500 characters and its file name to 200. Until 2026-12-07 a cut that
/// fell inside an emoji (a character outside the BMP, two UTF-16 halves) kept the first half alone: PostgreSQL's encoding
/// refused it (a 500), SQLite stored U+FFFD in its place. The cut now leaves the whole emoji out.
/// </summary>
public sealed class UploadTextCutTests
{
    private static readonly string Description = new string('a', 1499) + "\U0001F600 and more";
    private static readonly string FileName = new string('f', 199) + "\U0001F600.gif";

    [Fact]
    public async Task On_SQLite_a_cut_inside_an_emoji_leaves_it_out()
    {
        await using var a = await PublishingNode.StartAsync("upload-cut");
        var key = await UploadAsync(a);
        var row = Assert.Single(FaultHelpers.Query(a.Node, "SELECT description, file_name FROM media_files WHERE key = $key", ("$key", key)));
        Assert.Equal(new string('a', 1499), row[0]);
        Assert.Equal(new string('f', 199), row[1]);
    }

    [PostgresFact]
    public async Task On_PostgreSQL_a_cut_inside_an_emoji_leaves_it_out()
    {
        await using var database = await PostgresNodeTests.Database.CreateAsync();
        await using var a = await PublishingNode.StartAsync("upload-cut-pg", database.Settings());
        await UploadAsync(a);
        Assert.Equal(1499, await database.ScalarAsync("SELECT length(description) FROM media_files"));
        Assert.Equal(199, await database.ScalarAsync("SELECT length(file_name) FROM media_files"));
    }

    private static async Task<string> UploadAsync(PublishingNode a)
    {
        using var upload = new MultipartFormDataContent();
        var file = new ByteArrayContent("GIF89a\x01\x00\x01\x00"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("image/gif");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = FileName };
        upload.Add(file);
        upload.Add(new StringContent(Description), "description");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{a.Node.Origin}/api/media") { Content = upload };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);
        using var response = await TestHelpers.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(201 == (int)response.StatusCode, $"{(int)response.StatusCode} {text}");
        Assert.Equal(new string('f', 199), (string?)JObject.Parse(text)["fileName"]);
        return (string)JObject.Parse(text)["id"]!;
    }
}
