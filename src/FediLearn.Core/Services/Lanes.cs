using System.Globalization;
using FediLearn.Core.Data.Entities;

namespace FediLearn.Core.Services;

/// <summary>
/// A lane: the kind of learning group a template starts, with the defaults it sets and the first item it publishes.
/// Everything it sets can be changed later in the group's settings; the first item can be edited or deleted.
/// </summary>
public sealed record LaneTemplate(
    GroupLane Lane, string Key, string Name, string Description, bool Approval, PostingPolicy PostingPolicy,
    int? DefaultArchiveDays, ItemKind FirstKind, string FirstTitle, Func<string, DateTime?, string> FirstContent, bool FirstPinned);

public static class Lanes
{
    /// <summary>A popup ends after two weeks unless its creator picks another date.</summary>
    public const int PopupDays = 14;

    public static readonly LaneTemplate PromptCircle = new(
        GroupLane.PromptCircle, "prompt-circle", "Prompt circle",
        "A weekly prompt, everyone answers from their own account and the answers become a conversation. Anyone may follow and reply.",
        Approval: false, PostingPolicy.Open, DefaultArchiveDays: null,
        ItemKind.Prompt, "Introduce yourself",
        (title, _) => $"""
            Welcome to **{title}**! Each week this circle asks one question; everyone answers by replying from their own account, and every answer reaches the whole circle.

            To start: **who are you, and what would you like to explore here?**
            """,
        FirstPinned: false);

    public static readonly LaneTemplate CourseCohort = new(
        GroupLane.CourseCohort, "course-cohort", "Course cohort",
        "A cohort working through a course together: a library of materials, scheduled live sessions and a discussion. Facilitators approve who joins; only participants can reply.",
        Approval: true, PostingPolicy.Participants, DefaultArchiveDays: null,
        ItemKind.Material, "How this cohort works",
        (title, _) => $"""
            Welcome to **{title}**.

            - **Materials** are pinned on the group's page: read them at your own pace.
            - **Sessions** are announced here with their time, timezone and join link; answer *going* or *maybe* from your own app.
            - **Discussion**: reply to anything the group publishes. Your reply reaches everyone in the cohort, whichever server they are on.

            Facilitators approve each follow request, so the discussion stays within the cohort.
            """,
        FirstPinned: true);

    public static readonly LaneTemplate Popup = new(
        GroupLane.Popup, "popup", "Popup",
        "A short-lived open group around one topic or event. It is archived on a set date: everything stays readable, but new replies are no longer taken.",
        Approval: false, PostingPolicy.Open, DefaultArchiveDays: PopupDays,
        ItemKind.Post, "This group is open for a short while",
        (title, archiveAt) => $"""
            **{title}** is a popup group: follow it and reply to join the conversation.
            {(archiveAt is { } at ? $"It is open until {at.ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture)} UTC; after that it is archived and stays readable, but takes no new replies." : "")}
            """,
        FirstPinned: false);

    public static IReadOnlyList<LaneTemplate> All { get; } = [PromptCircle, CourseCohort, Popup];

    public static LaneTemplate? Find(string? key) => All.FirstOrDefault(l => string.Equals(l.Key, key?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static LaneTemplate? Of(GroupLane lane) => All.FirstOrDefault(l => l.Lane == lane);
}
