using FediLearn.Core.Data.Entities;

namespace FediLearn.Core.Federation.Objects;

/// <summary>What a renderer needs besides the item: its group and the files it attaches.</summary>
public sealed record ObjectContext(
    LocalActor Group, IReadOnlyList<MediaFile> Media, GroupItem? Session = null, int Participants = 0,
    IReadOnlyDictionary<string, int>? VotesByChoice = null, int Voters = 0);

/// <summary>A link of a material: an address and what to call it.</summary>
public sealed record MaterialLink(string Url, string? Title);
