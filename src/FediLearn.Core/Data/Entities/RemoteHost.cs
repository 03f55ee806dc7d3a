namespace FediLearn.Core.Data.Entities;

/// <summary>Delivery health of a remote host; a host failing for DeadHostAfter is skipped until heard from again.</summary>
public sealed class RemoteHost
{
    public string Host { get; set; } = "";
    public long? FailingSince { get; set; }
    public long? LastFailureAt { get; set; }
    public long? LastSuccessAt { get; set; }
    public bool Dead { get; set; }
}
