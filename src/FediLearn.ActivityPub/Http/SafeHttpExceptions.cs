namespace FediLearn.ActivityPub.Http;

/// <summary>The destination resolved to an address outbound requests may not reach; thrown before any connection.</summary>
public sealed class BlockedAddressException : HttpRequestException
{
    public BlockedAddressException(string message) : base(message) { }
}

/// <summary>A response body exceeded the configured limit (announced by Content-Length or counted while streaming).</summary>
public sealed class ResponseTooLargeException : HttpRequestException
{
    public ResponseTooLargeException(string message) : base(message) { }
}
