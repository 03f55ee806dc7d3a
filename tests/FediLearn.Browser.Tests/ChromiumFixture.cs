using Microsoft.Playwright;

namespace FediLearn.Browser.Tests;

/// <summary>
/// Debian's Chromium launched once per test class, exactly as ../shared/dependencies.md says: our executable, headless,
/// QUIC off and every outside host unresolvable (loopback excepted). Missing Chromium fails the tests, never skips them.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium was not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"Chromium is missing ({ChromiumPath}). Run scripts/install-test-deps.sh (it installs Debian's chromium with apt-get); "
                + "the browser tests never download a browser.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--disable-quic", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}
