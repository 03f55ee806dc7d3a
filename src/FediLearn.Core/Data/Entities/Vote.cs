namespace FediLearn.Core.Data.Entities;

/// <summary>A vote in a check-in (Question): one per voter and choice; for a single-choice check-in, one per voter.</summary>
public sealed class Vote
{
    public long Id { get; set; }
    public long PromptId { get; set; }
    public string VoterUri { get; set; } = "";
    public string Choice { get; set; } = "";
    public string ObjectUri { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
