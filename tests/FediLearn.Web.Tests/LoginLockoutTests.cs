using System.Net;
using System.Text.RegularExpressions;
using static FediLearn.Web.Tests.TestHelpers;

namespace FediLearn.Web.Tests;

/// <summary>
/// security.md case 35 through the login page itself, with its antiforgery token, as a browser posts it: five wrong
/// passwords lock the account (the right one is then refused, with the page saying so), four do not. Passwords, wrong
/// or right, never reach the node's log, even at Trace. The login budget per address is turned off so that only the
/// lockout decides.
/// </summary>
public sealed partial class LoginLockoutTests
{
    private const string Right = "a-long-password-1";
    private const string Wrong = "Wr0ng-guess-7c1e";

    [Fact]
    public async Task Five_wrong_passwords_on_the_login_page_lock_the_account_four_do_not_and_no_password_is_logged()
    {
        await using var a = await PublishingNode.StartAsync("lockout", new Dictionary<string, string>
        {
            ["FediLearn__RateLimits__LoginPerAddressPerMinute"] = "0",
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
        });
        await a.Node.CliWithInputAsync(Right + "\n", "users", "add", "bo", "--email", "bo@example.org").MustAsync();

        // The twin first: four failures, then the right password signs bo in.
        var bo = new Browser(a.Node.Origin);
        for (var i = 0; i < 4; i++) Assert.Contains("do not match an account", (await bo.LogInAsync("bo", Wrong)).Body);
        var signedIn = await bo.LogInAsync("bo", Right);
        Assert.Equal((HttpStatusCode.Redirect, "/workspace"), (signedIn.Status, signedIn.Location));
        Assert.True(bo.HasAuthCookie, "the twin's login set the session cookie");

        var ana = new Browser(a.Node.Origin);
        for (var i = 0; i < 4; i++) Assert.Contains("do not match an account", (await ana.LogInAsync("ana", Wrong)).Body);
        Assert.Contains("locked for 15 minutes", (await ana.LogInAsync("ana", Wrong)).Body);
        var refused = await ana.LogInAsync("ana", Right);
        Assert.Equal(HttpStatusCode.OK, refused.Status); // the page again, not the redirect into the workspace
        Assert.Contains("locked for 15 minutes", refused.Body);
        Assert.False(ana.HasAuthCookie, "a locked account got a session cookie");

        Assert.Contains("Microsoft.AspNetCore", a.Node.Output); // Trace logging really was on
        Assert.DoesNotContain(Wrong, a.Node.Output);
        Assert.DoesNotContain(Right, a.Node.Output);
    }

    /// <summary>A cookie-keeping client that fetches the login form for its antiforgery token before each post.</summary>
    private sealed partial class Browser(string origin)
    {
        private readonly CookieContainer _cookies = new();
        private HttpClient? _client;
        private HttpClient Client => _client ??= new HttpClient(new HttpClientHandler { CookieContainer = _cookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

        /// <summary>The session cookie the login sets (WebAppSetup).</summary>
        public bool HasAuthCookie => _cookies.GetCookies(new Uri(origin)).Any(c => c.Name == "fedilearn_session");

        public async Task<(HttpStatusCode Status, string? Location, string Body)> LogInAsync(string login, string password)
        {
            var form = await Client.GetStringAsync($"{origin}/login");
            var token = Token().Match(form);
            Assert.True(token.Success, "the login form has an antiforgery token");
            using var response = await Client.PostAsync($"{origin}/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            }));
            return (response.StatusCode, response.Headers.Location?.OriginalString, await response.Content.ReadAsStringAsync());
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
        private static partial Regex Token();
    }
}
