namespace FediLearn.ActivityPub.Http;

/// <summary>The JRD <c>subject</c> and the ActivityPub <c>rel=self</c> link of a WebFinger answer.</summary>
public sealed record WebFingerResult(string Subject, Uri SelfHref);
