namespace FediLearn.ActivityPub.Http;

public enum FetchFailure
{
    NotFound,
    Gone,
    Unauthorized,
    HttpError,
    NotActivityPub,
    IdMismatch,
    TooLarge,
    Blocked,
    Network,
    Malformed,
}

/// <summary>A fetch that produced no trustworthy document; <see cref="Failure"/> says why (callers treat Gone and NotFound differently).</summary>
public sealed class FetchException : Exception
{
    public FetchException(FetchFailure failure, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        StatusCode = statusCode;
    }

    public FetchFailure Failure { get; }

    public int? StatusCode { get; }
}
