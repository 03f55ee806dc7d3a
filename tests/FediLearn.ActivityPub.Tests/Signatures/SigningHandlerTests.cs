using System.Net;
using System.Text;
using FediLearn.ActivityPub.Keys;
using FediLearn.ActivityPub.Signatures;
using static FediLearn.ActivityPub.Tests.Signatures.TestVectors;

namespace FediLearn.ActivityPub.Tests.Signatures;

/// <summary>Double-knocking in the pipeline (security.md case 18; federation.md item 20).</summary>
public sealed class SigningHandlerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly SigningKey _key = MastodonSigningKey();
    private readonly VerificationKey _publicKey = MastodonPublicKey();
    private readonly InMemorySignatureSchemeStore _store = new();
    private readonly FakePeer _peer = new();
    private readonly HttpClient _client;

    public SigningHandlerTests()
    {
        _client = new HttpClient(new SigningHandler(_store, new FixedTime(Now)) { InnerHandler = _peer });
    }

    public void Dispose()
    {
        _client.Dispose();
        _key.Dispose();
        _publicKey.Dispose();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>An in-process peer that records what it received and answers from a script.</summary>
    private sealed class FakePeer : HttpMessageHandler
    {
        public Queue<HttpStatusCode> Answers { get; } = new();

        public List<SignedRequest> Received { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Received.Add(FromMessage(request, body));
            return new HttpResponseMessage(Answers.Count > 0 ? Answers.Dequeue() : HttpStatusCode.Accepted);
        }
    }

    private HttpRequestMessage Delivery(string url = "https://b.example/inbox", bool signed = true)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("{\"type\":\"Follow\"}", Encoding.UTF8, "application/activity+json"),
        };
        if (signed)
        {
            message.Options.Set(SigningHandler.KeyOption, _key);
        }

        return message;
    }

    private bool Verifies(SignedRequest request)
    {
        var inspection = HttpSignatureVerifier.Inspect(request, Now);
        return inspection.IsValid && inspection.Check!.Verify(_publicKey);
    }

    private static SignatureScheme SchemeOf(SignedRequest request) =>
        request.Headers.ContainsKey("Signature-Input") ? SignatureScheme.Rfc9421 : SignatureScheme.DraftCavage;

    [Fact]
    public async Task First_delivery_is_draft_cavage_and_success_is_remembered()
    {
        using var response = await _client.SendAsync(Delivery());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = Assert.Single(_peer.Received);
        Assert.Equal(SignatureScheme.DraftCavage, SchemeOf(received));
        Assert.True(Verifies(received));
        Assert.Equal(SignatureScheme.DraftCavage, _store.Get("b.example"));
    }

    [Fact]
    public async Task A_401_gets_exactly_one_retry_in_rfc9421_which_is_then_remembered()
    {
        _peer.Answers.Enqueue(HttpStatusCode.Unauthorized);

        using var response = await _client.SendAsync(Delivery());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, _peer.Received.Count);
        Assert.Equal(SignatureScheme.DraftCavage, SchemeOf(_peer.Received[0]));
        Assert.Equal(SignatureScheme.Rfc9421, SchemeOf(_peer.Received[1]));
        Assert.False(_peer.Received[1].Headers.ContainsKey("Digest"));
        Assert.All(_peer.Received, r => Assert.True(Verifies(r)));
        Assert.Equal(SignatureScheme.Rfc9421, _store.Get("b.example"));
    }

    [Fact]
    public async Task Second_call_uses_the_remembered_scheme_directly()
    {
        _peer.Answers.Enqueue(HttpStatusCode.Unauthorized);
        using (await _client.SendAsync(Delivery()))
        {
        }

        _peer.Received.Clear();
        using var response = await _client.SendAsync(Delivery("https://b.example/users/bo/inbox"));

        var received = Assert.Single(_peer.Received);
        Assert.Equal(SignatureScheme.Rfc9421, SchemeOf(received));
        Assert.True(Verifies(received));
    }

    [Fact]
    public async Task A_400_also_triggers_the_retry()
    {
        _peer.Answers.Enqueue(HttpStatusCode.BadRequest);

        using var response = await _client.SendAsync(Delivery());

        Assert.Equal(2, _peer.Received.Count);
        Assert.Equal(SignatureScheme.Rfc9421, _store.Get("b.example"));
    }

    [Fact]
    public async Task Two_rejections_stop_after_one_retry_and_remember_nothing()
    {
        _peer.Answers.Enqueue(HttpStatusCode.Unauthorized);
        _peer.Answers.Enqueue(HttpStatusCode.Unauthorized);

        using var response = await _client.SendAsync(Delivery());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, _peer.Received.Count);
        Assert.Null(_store.Get("b.example"));
    }

    [Fact]
    public async Task Other_failures_are_not_retried_here()
    {
        _peer.Answers.Enqueue(HttpStatusCode.ServiceUnavailable);

        using var response = await _client.SendAsync(Delivery());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(_peer.Received);
    }

    [Fact]
    public async Task Remembered_scheme_is_per_host()
    {
        _store.Set("b.example", SignatureScheme.Rfc9421);

        using (await _client.SendAsync(Delivery("https://b.example/inbox")))
        using (await _client.SendAsync(Delivery("https://c.example/inbox")))
        {
        }

        Assert.Equal(SignatureScheme.Rfc9421, SchemeOf(_peer.Received[0]));
        Assert.Equal(SignatureScheme.DraftCavage, SchemeOf(_peer.Received[1]));
    }

    [Fact]
    public async Task Request_without_a_key_passes_through_unsigned()
    {
        _peer.Answers.Enqueue(HttpStatusCode.Unauthorized);

        using var response = await _client.SendAsync(Delivery(signed: false));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var received = Assert.Single(_peer.Received);
        Assert.False(received.Headers.ContainsKey("Signature"));
        Assert.False(received.Headers.ContainsKey("Digest"));
        Assert.Null(_store.Get("b.example"));
    }

    [Fact]
    public async Task Signed_get_goes_through_the_handler_too()
    {
        var message = new HttpRequestMessage(HttpMethod.Get, "https://b.example/users/bo");
        message.Headers.Accept.ParseAdd("application/activity+json");
        message.Options.Set(SigningHandler.KeyOption, _key);

        using var response = await _client.SendAsync(message);

        var received = Assert.Single(_peer.Received);
        Assert.Contains("headers=\"(request-target) host date accept\"", received.Headers["Signature"]);
        Assert.True(Verifies(received));
    }
}
