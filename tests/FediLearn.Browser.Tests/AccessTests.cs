using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FediLearn.Browser.Tests;

/// <summary>Neither a logged-out visitor nor a plain member reaches an admin action, by page or by POST; no POST works without its antiforgery token.</summary>
public sealed class AccessTests(ChromiumFixture chromium) : WebAppTest(chromium)
{
    private static readonly Dictionary<string, string> NewGroup = new() { ["Name"] = "sneaky", ["Title"] = "Sneaky group" };

    [Fact]
    public async Task Logged_out_visitor_is_sent_to_login_for_pages_and_posts()
    {
        var page = await NewPageAsync();
        await SetupFirstAdminAsync(page);
        var visitor = await NewPageAsync();

        foreach (var path in new[] { "/admin/invitations", "/workspace", "/account", "/account/tokens" })
        {
            await visitor.GotoAsync(path);
            Assert.Contains("/login?ReturnUrl=", visitor.Url);
        }
        await ScreenshotAsync(visitor, "13-login");

        await visitor.GotoAsync("/login");
        var token = await AntiforgeryTokenAsync(visitor);
        foreach (var path in new[] { "/workspace", "/admin/invitations" })
        {
            var post = await PostFormAsync(visitor, path, new Dictionary<string, string>(NewGroup) { ["__RequestVerificationToken"] = token, ["Role"] = "member" });
            Assert.Equal(302, post.Status);
            Assert.Contains("/login", post.Headers["location"]);
        }
        await AssertNoSneakyGroupAsync(page);
    }

    [Fact]
    public async Task Member_gets_403_on_admin_pages_and_posts()
    {
        var admin = await NewPageAsync();
        await SetupFirstAdminAsync(admin);
        await AddUserWithCliAsync("cy", "cy's long password");
        var member = await NewPageAsync();
        await LogInAsync(member, "cy", "cy's long password");

        var page = await member.GotoAsync("/admin/invitations");
        Assert.Equal(403, page!.Status);
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await ScreenshotAsync(member, "14-forbidden");

        await member.GotoAsync("/workspace");
        await Expect(member.GetByText("You do not facilitate any group yet.")).ToBeVisibleAsync();
        var token = await AntiforgeryTokenAsync(member);
        var group = await PostFormAsync(member, "/workspace", new Dictionary<string, string>(NewGroup) { ["__RequestVerificationToken"] = token });
        Assert.Equal(403, group.Status);
        var invite = await PostFormAsync(member, "/admin/invitations", new Dictionary<string, string> { ["Role"] = "member", ["__RequestVerificationToken"] = token });
        Assert.Equal(403, invite.Status);
        await AssertNoSneakyGroupAsync(admin);
    }

    [Fact]
    public async Task Posts_without_a_valid_antiforgery_token_are_refused_even_for_an_admin()
    {
        var admin = await NewPageAsync();
        await SetupFirstAdminAsync(admin);

        var missing = await PostFormAsync(admin, "/workspace", NewGroup);
        Assert.Equal(400, missing.Status);
        var forged = await PostFormAsync(admin, "/workspace", new Dictionary<string, string>(NewGroup) { ["__RequestVerificationToken"] = "CfDJ8forged-token-value" });
        Assert.Equal(400, forged.Status);

        // Another person's valid token does not work for this admin either.
        var visitor = await NewPageAsync();
        await visitor.GotoAsync("/login");
        var othersToken = await AntiforgeryTokenAsync(visitor);
        var stolen = await PostFormAsync(admin, "/workspace", new Dictionary<string, string>(NewGroup) { ["__RequestVerificationToken"] = othersToken });
        Assert.Equal(400, stolen.Status);

        await AssertNoSneakyGroupAsync(admin);

        // With its own token the same POST works: the refusals above were the token's doing.
        await admin.GotoAsync("/workspace");
        var ok = await PostFormAsync(admin, "/workspace", new Dictionary<string, string>(NewGroup) { ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(admin) });
        Assert.Equal(302, ok.Status);
    }

    private static async Task AssertNoSneakyGroupAsync(IPage admin)
    {
        await admin.GotoAsync("/workspace");
        await Expect(admin.GetByText("Sneaky group")).ToHaveCountAsync(0);
    }
}
