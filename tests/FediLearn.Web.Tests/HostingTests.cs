using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FediLearn.Testing;
using FediLearn.Web.Pages;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Web.Tests;

/// <summary>
/// The server is built on ASP.NET Core's slim host builder (Program.cs): what it leaves out by default and FediLearn
/// needs is added back, and the key ring is loaded at the first page instead of at start.
/// </summary>
public sealed class HostingTests
{
    /// <summary>An operator who lets Kestrel terminate TLS itself (no reverse proxy) configures it as in any ASP.NET Core app.</summary>
    [Fact]
    public async Task Https_endpoint_and_certificate_from_configuration_serve_requests()
    {
        await using var node = await NodeProcess.StartAsync("https");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificateFile = Path.Combine(node.DataPath, "tls.crt");
        var keyFile = Path.Combine(node.DataPath, "tls.key");
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        node.SetEnvironment("Kestrel__Certificates__Default__Path", certificateFile);
        node.SetEnvironment("Kestrel__Certificates__Default__KeyPath", keyFile);
        var httpsPort = await ListenOnHttpsAsync(node);

        string? served = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
            {
                served = presented?.Thumbprint;
                return served == certificate.Thumbprint;
            },
        };
        using var https = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await https.GetAsync($"https://127.0.0.1:{httpsPort}/health");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(certificate.Thumbprint, served);
    }

    /// <summary>
    /// Kestrel failing to start (an address another program holds, an https:// address without a certificate, a certificate
    /// file that is not there) is one line and exit code 1, as a wrong setting is: not an unhandled exception (exit 134).
    /// Nor is the line preceded by the host's "Hosting failed to start" and its stack trace on standard output (the log):
    /// that entry is at Debug for the failures the line explains (StartFailureLogging).
    /// </summary>
    [Theory]
    [InlineData("taken", "address already in use. Another program")]
    [InlineData("no certificate", "an https:// address needs a certificate: set Kestrel:Certificates:Default:Path")]
    [InlineData("missing certificate", "the HTTPS certificate could not be loaded (Could not find file")]
    [InlineData("no scheme", "is not an address to listen on: write it with its scheme, as in http://127.0.0.1:")]
    public async Task A_server_that_cannot_listen_says_why_in_one_line(string problem, string expected)
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var held = ((IPEndPoint)holder.LocalEndpoint).Port;
        var dataPath = Path.Combine(Path.GetTempPath(), "fedilearn-tests", "listen-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string>
        {
            ["FediLearn__DataPath"] = dataPath,
            ["ASPNETCORE_URLS"] = problem switch
            {
                "taken" => $"http://127.0.0.1:{held}",
                "no scheme" => $"127.0.0.1:{NodeProcess.FreePort()}",
                _ => $"https://127.0.0.1:{NodeProcess.FreePort()}",
            },
        };
        if (problem == "missing certificate")
            settings["Kestrel__Certificates__Default__Path"] = Path.Combine(dataPath, "absent.pem");
        var run = await NodeProcess.RunOnceAsync(settings);
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.StdErr}\n{run.StdOut}");
        Assert.StartsWith("error: the server did not start: ", run.StdErr);
        Assert.Contains(expected, run.StdErr);
        Assert.DoesNotContain("Unhandled exception", run.StdErr);
        Assert.DoesNotContain("   at ", run.StdErr);
        Assert.DoesNotContain("Hosting failed to start", run.StdOut);
        Assert.DoesNotContain("   at ", run.StdOut);
        try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// A settings file that does not parse (appsettings.json edited by hand) is one line naming the file and the line and
    /// column an editor shows, for the server and the CLI alike: it was an unhandled exception (exit 134) before. The file
    /// here is appsettings.{environment}.json, which the configuration reads next to appsettings.json.
    /// </summary>
    [Theory]
    [InlineData(new string[0], "{ \"FediLearn\": {\n  \"PublicUrl\": \"http://x }\n}\n", "Line 2, column 27: '0x0A' is invalid within a JSON string.")]
    [InlineData(new[] { "groups", "list" }, "{ \"FediLearn\": {\n  \"PublicUrl\": \"http://x\"\n}\n", "Line 4, column 1: Expected depth to be zero")]
    public async Task A_settings_file_that_does_not_parse_is_one_line_naming_where(string[] verb, string json, string expected)
    {
        var environment = "Broken" + Guid.NewGuid().ToString("N");
        var file = Path.Combine(Path.GetDirectoryName(NodeProcess.WebAssemblyPath)!, $"appsettings.{environment}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            var run = await NodeProcess.RunOnceAsync(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = environment,
                ["DOTNET_ENVIRONMENT"] = environment,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{NodeProcess.FreePort()}",
                ["FediLearn__DataPath"] = Path.Combine(Path.GetTempPath(), "fedilearn-tests", "broken-" + Guid.NewGuid().ToString("N")),
            }, verb);
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.StdErr}\n{run.StdOut}");
            Assert.Equal($"Configuration error: Failed to load configuration from file '{file}'. Could not parse the JSON file. ", run.StdErr[..run.StdErr.IndexOf("Line ", StringComparison.Ordinal)]);
            Assert.Contains(expected, run.StdErr);
            Assert.Single(run.StdErr.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Restarts the node with a second, HTTPS endpoint and returns its port once it accepts connections. The node is ready
    /// when its HTTP endpoint answers, which may be a moment before the HTTPS one is bound; and a port FreePort gave may
    /// be taken by another test process before the node binds it, which stops the node: then another port is tried.
    /// </summary>
    private static async Task<int> ListenOnHttpsAsync(NodeProcess node)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = NodeProcess.FreePort();
            node.SetEnvironment("ASPNETCORE_URLS", $"{node.Origin};https://127.0.0.1:{port}");
            await node.RestartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (node.State == "running" && DateTime.UtcNow < deadline)
            {
                using var client = new System.Net.Sockets.TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return port;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    await Task.Delay(100);
                }
            }
            if (attempt == 3 || !node.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"the node ({node.State}) did not listen on https://127.0.0.1:{port}:\n{node.Output}");
        }
    }

    [Fact]
    public void Key_ring_is_not_loaded_at_start()
    {
        // ASP.NET Core still registers its warm-up under the name the setup looks for; were it renamed, this fails first.
        var plain = new ServiceCollection().AddDataProtection().Services;
        Assert.Contains(plain, WebAppSetup.IsKeyRingWarmUp);

        var node = new ServiceCollection().AddLogging().AddFediLearnWebApp();
        Assert.DoesNotContain(node, WebAppSetup.IsKeyRingWarmUp);
        Assert.Contains(node, s => s.ServiceType == typeof(IDataProtectionProvider)); // the key ring itself is still there
    }
}
