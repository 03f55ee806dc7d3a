using FediLearn.ActivityPub.Keys;

namespace FediLearn.ActivityPub.Signatures;

/// <summary>
/// Signs in the HTTP pipeline, not at call sites (design.md §3.3). A request carrying a key in
/// <see cref="KeyOption"/> is signed at send time with the format remembered for its host (draft-cavage
/// by default, as Mastodon 4.7 does: signatures.md §2.1). On 400 or 401 it is rebuilt, signed with the
/// other format and sent exactly once more (federation.md item 20). Requests without a key pass through.
/// </summary>
public sealed class SigningHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<SigningKey> KeyOption = new("FediLearn.ActivityPub.SigningKey");

    // Headers this handler owns; a copy must not carry the previous attempt's values.
    private static readonly HashSet<string> SignatureHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Signature", "Signature-Input", "Digest", "Content-Digest", "Date",
    };

    private readonly ISignatureSchemeStore _store;
    private readonly TimeProvider _time;

    public SigningHandler(ISignatureSchemeStore store, TimeProvider time)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(KeyOption, out var key) || key is null || request.RequestUri is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // Buffer once: the retry needs the same bytes, and the digest is computed over exactly them.
        var body = request.Content is null
            ? null
            : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var host = RequestTarget.Authority(request.RequestUri);
        var scheme = _store.Get(host) ?? SignatureScheme.DraftCavage;

        var response = await SendSignedAsync(request, body, key, scheme, cancellationToken).ConfigureAwait(false);
        if (!IsSignatureRejection(response))
        {
            _store.Set(host, scheme);
            return response;
        }

        var other = scheme == SignatureScheme.DraftCavage ? SignatureScheme.Rfc9421 : SignatureScheme.DraftCavage;
        response.Dispose();
        var retry = await SendSignedAsync(request, body, key, other, cancellationToken).ConfigureAwait(false);
        if (!IsSignatureRejection(retry))
        {
            _store.Set(host, other);
        }

        return retry;
    }

    private static bool IsSignatureRejection(HttpResponseMessage response) =>
        (int)response.StatusCode is 400 or 401;

    private Task<HttpResponseMessage> SendSignedAsync(
        HttpRequestMessage original, byte[]? body, SigningKey key, SignatureScheme scheme, CancellationToken cancellationToken)
    {
        // An HttpRequestMessage can be sent only once, so every attempt is a fresh copy.
        var copy = Copy(original, body);
        var now = _time.GetUtcNow();
        if (scheme == SignatureScheme.Rfc9421)
        {
            HttpSignatureSigner.SignRfc9421(copy, body, key, now);
        }
        else
        {
            HttpSignatureSigner.SignDraftCavage(copy, body, key, now);
        }

        return base.SendAsync(copy, cancellationToken);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage original, byte[]? body)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        foreach (var (name, values) in original.Headers)
        {
            if (!SignatureHeaders.Contains(name))
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var (name, values) in original.Content!.Headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    copy.Content.Headers.TryAddWithoutValidation(name, values);
                }
            }
        }

        var options = (IDictionary<string, object?>)copy.Options;
        foreach (var (name, value) in original.Options)
        {
            options[name] = value;
        }

        return copy;
    }
}
