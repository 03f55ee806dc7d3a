using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>Only the group's facilitators and node admins reach /workspace/{group}, by page and by POST.</summary>
public sealed class GroupAccessTests(ChromiumFixture chromium) : GroupWorkspaceTest(chromium)
{
    private static readonly string[] Pages = ["/workspace/rust", "/workspace/rust/new/prompt", "/workspace/rust/followers", "/workspace/rust/moderation", "/workspace/rust/digest"];

    [Fact]
    public async Task Facilitator_of_another_group_and_a_plain_member_get_403_for_pages_and_posts()
    {
        var ana = await FacilitatorAsync();
        await AddUserWithCliAsync("bo", "bo's long password");
        await AddUserWithCliAsync("cy", "cy's long password");
        var go = await Node.CliAsync("groups", "add", "go", "--title", "Go gophers", "--facilitator", "bo");
        Assert.True(go.ExitCode == 0, go.StdErr + go.StdOut);

        foreach (var (name, password) in new[] { ("bo", "bo's long password"), ("cy", "cy's long password") })
        {
            var page = await NewPageAsync();
            await LogInAsync(page, name, password);
            foreach (var path in Pages)
            {
                var response = await page.GotoAsync(path);
                Assert.True(response!.Status == 403, $"{name} {path}: {response.Status}");
            }
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
            await page.GotoAsync("/workspace");
            var token = await AntiforgeryTokenAsync(page);
            foreach (var path in new[] { "/workspace/rust/new/prompt", "/workspace/rust/new/prompt?handler=preview", "/workspace/rust/followers?handler=ban" })
            {
                var post = await PostFormAsync(page, path, new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = token, ["content"] = "Sneaky prompt", ["actor"] = "https://evil.example/users/x",
                });
                Assert.True(post.Status == 403, $"{name} POST {path}: {post.Status}");
            }
        }
        // bo still reaches his own group.
        var bo = await NewPageAsync();
        await LogInAsync(bo, "bo", "bo's long password");
        Assert.Equal(200, (await bo.GotoAsync("/workspace/go"))!.Status);

        await ana.GotoAsync("/g/rust");
        await Expect(ana.GetByText("Sneaky prompt")).ToHaveCountAsync(0);
        await ana.GotoAsync("/workspace/rust/moderation");
        await Expect(ana.GetByText("Nothing moderated yet.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Logged_out_visitor_is_sent_to_login_and_an_admin_may_open_any_group()
    {
        await FacilitatorAsync();
        var visitor = await NewPageAsync();
        await visitor.GotoAsync("/workspace/rust/followers");
        Assert.Contains("/login?ReturnUrl=", visitor.Url);
        await visitor.GotoAsync("/login");
        var post = await PostFormAsync(visitor, "/workspace/rust/new/prompt", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(visitor), ["content"] = "Sneaky prompt",
        });
        Assert.Equal(302, post.Status);
        Assert.Contains("/login", post.Headers["location"]);

        var root = await NewPageAsync();
        await LogInAsync(root, "rosa", AdminPassword);
        foreach (var path in Pages) Assert.Equal(200, (await root.GotoAsync(path))!.Status);
        Assert.Equal(404, (await root.GotoAsync("/workspace/nosuchgroup"))!.Status);
    }
}
