using Microsoft.Playwright;

namespace FediLearn.Browser.Tests;

public static class PageArrival
{
    /// <summary>
    /// Waits until the page is at <paramref name="url"/> (a glob, as WaitForURLAsync takes) and that document has fully
    /// loaded, read from document.readyState in the page rather than from Playwright's "load" lifecycle event. Waiting
    /// for that event timed out after 90 s at the first sign-in of a fresh node in two CI runs and in one local run under
    /// the same load; in that one the node's log shows the page served in half a second, the browser said
    /// document.readyState "complete", and Playwright's waiter only ever saw "networkidle". The URL is awaited at commit,
    /// which comes from the navigation itself.
    /// </summary>
    public static async Task ArriveAtAsync(this IPage page, string url, float? timeout = null)
    {
        await page.WaitForURLAsync(url, new() { WaitUntil = WaitUntilState.Commit, Timeout = timeout });
        var loaded = await page.WaitForFunctionAsync("document.readyState === 'complete'", null, new() { Timeout = timeout, PollingInterval = 50 });
        await loaded.DisposeAsync();
    }
}
