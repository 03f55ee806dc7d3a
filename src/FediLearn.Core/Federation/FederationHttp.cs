using FediLearn.ActivityPub.Http;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Options;
using Microsoft.Extensions.Options;

namespace FediLearn.Core.Federation;

/// <summary>
/// All outbound federation HTTP goes through this one client: connect-time address checks, body and redirect caps,
/// timeouts (ActivityPub.Http.SafeHttp), and signing in the pipeline with cavage-first double-knock (SigningHandler).
/// </summary>
public sealed class FederationHttp : IDisposable
{
    public FederationHttp(IOptions<FediLearnOptions> options, ISignatureSchemeStore schemes, TimeProvider time)
    {
        var o = options.Value;
        SafeOptions = new SafeHttpOptions
        {
            AllowPrivateAddresses = o.Federation.AllowPrivateAddresses,
            MaxResponseBytes = o.Federation.MaxBodyBytes,
            ConnectTimeout = o.Federation.ConnectTimeout,
            RequestTimeout = o.Federation.RequestTimeout,
            UserAgent = $"FediLearn/0.1 (+{o.BaseUrl}/)",
        };
        Client = SafeHttp.CreateClient(SafeOptions, new SigningHandler(schemes, time));
        Fetcher = new ActivityPubFetcher(Client, SafeOptions);
    }

    public SafeHttpOptions SafeOptions { get; }
    public HttpClient Client { get; }
    public ActivityPubFetcher Fetcher { get; }

    public void Dispose() => Client.Dispose();
}
