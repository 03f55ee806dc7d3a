using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FediLearn.Browser.Tests;

public static class PageArrival
{
    /// <summary>
    /// Waits until the page is at <paramref name="url"/> (a glob: <c>**</c> any text, <c>*</c> any text without a slash,
    /// everything else literal) and that document has fully loaded, read from document.readyState in the page. Not
    /// WaitForURLAsync: when the URL already matches it waits for Playwright's "load" lifecycle event, whatever WaitUntil
    /// says, and that wait timed out after 90 s at the first sign-in of a fresh node in two CI runs and two local runs
    /// under the same load, while the node's log shows the page served in half a second, the browser said
    /// document.readyState "complete", and Playwright's waiter only ever saw "networkidle". The URL is polled instead.
    /// </summary>
    public static async Task ArriveAtAsync(this IPage page, string url, float? timeout = null)
    {
        await Assertions.Expect(page).ToHaveURLAsync(GlobToRegex(url), new() { Timeout = timeout ?? WebAppTest.DefaultTimeoutMs });
        var loaded = await page.WaitForFunctionAsync("document.readyState === 'complete'", null, new() { Timeout = timeout, PollingInterval = 50 });
        await loaded.DisposeAsync();
    }

    private static Regex GlobToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] != '*') pattern.Append(Regex.Escape(glob[i].ToString()));
            else if (i + 1 < glob.Length && glob[i + 1] == '*') { pattern.Append(".*"); i++; }
            else pattern.Append("[^/]*");
        }
        return new Regex(pattern.Append('$').ToString());
    }
}
