namespace FediLearn.Core.Services;

/// <summary>A failure the user caused and can fix (unknown group, duplicate name…): shown as one clear line, never a stack trace.</summary>
public sealed class FediLearnException(string message) : Exception(message);
