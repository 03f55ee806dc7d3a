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

        var httpsPort = NodeProcess.FreePort();
        node.SetEnvironment("ASPNETCORE_URLS", $"{node.Origin};https://127.0.0.1:{httpsPort}");
        node.SetEnvironment("Kestrel__Certificates__Default__Path", certificateFile);
        node.SetEnvironment("Kestrel__Certificates__Default__KeyPath", keyFile);
        await node.RestartAsync();

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
