namespace FediLearn.ActivityPub.Json;

/// <summary>Input that is not a usable ActivityStreams JSON document (malformed, too deep, wrong shape).</summary>
public sealed class ActivityJsonException : Exception
{
    public ActivityJsonException(string message) : base(message) { }
    public ActivityJsonException(string message, Exception? innerException) : base(message, innerException) { }
}
