using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// Dates far from now are refused by field: a local time near year 9999 in a zone west of UTC has no instant .NET can
/// hold, and an item with one failed wherever it was rendered.
/// </summary>
public class ItemValidatorDatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("startsAt")]
    [InlineData("endsAt")]
    [InlineData("publishAt")]
    [InlineData("closesAt")]
    public void A_date_outside_the_years_1900_to_2200_is_refused_by_field(string field)
    {
        var late = new DateTime(9999, 12, 31, 20, 0, 0);
        var input = field switch
        {
            "startsAt" => ItemDatesTests.Session() with { StartsAt = late, EndsAt = null },
            "endsAt" => ItemDatesTests.Session() with { EndsAt = new DateTime(1899, 12, 31, 23, 0, 0) },
            "publishAt" => ItemDatesTests.Session() with { PublishAt = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero) },
            _ => new ItemInput { Content = "Pace?", Choices = ["slow", "fast"], ClosesAt = new DateTimeOffset(2201, 1, 1, 0, 0, 0, TimeSpan.Zero) },
        };
        var validator = new ItemValidator();
        validator.Validate(field == "closesAt" ? ItemKind.Prompt : ItemKind.Session, input, Now, publishedAt: null);
        var errors = Assert.Throws<ItemValidationException>(validator.ThrowIfAny).Errors;
        Assert.Contains("Give a date in the years 1900 to 2200.", errors[field]);

        // The bounds themselves are accepted.
        var fine = new ItemValidator();
        fine.Validate(ItemKind.Session, ItemDatesTests.Session() with { StartsAt = new DateTime(2200, 12, 31, 20, 0, 0), EndsAt = new DateTime(2200, 12, 31, 22, 0, 0) }, Now, publishedAt: null);
        fine.ThrowIfAny();
    }
}

/// <summary>
/// Amsterdam skips 02:00-03:00 on 28 March 2027. A start at 02:30 is read with the offset before the gap (01:30 UTC),
/// so an end at 03:15 CEST (01:15 UTC) came before it: the validator compared the wall-clock times only, and rendering
/// the session then threw (a 500 on publishing; a scheduled one failed every pass).
/// </summary>
public class ItemValidatorClockChangeTests
{
    [Fact]
    public void A_session_that_ends_before_it_starts_across_a_clock_change_is_refused_by_field()
    {
        var validator = new ItemValidator();
        validator.Validate(ItemKind.Session, ItemDatesTests.Session() with
        {
            StartsAt = new DateTime(2027, 3, 28, 2, 30, 0), EndsAt = new DateTime(2027, 3, 28, 3, 15, 0), Timezone = "Europe/Amsterdam",
        }, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), publishedAt: null);
        var errors = Assert.Throws<ItemValidationException>(validator.ThrowIfAny).Errors;
        Assert.Contains("in Europe/Amsterdam the clocks skip forward between them, so 02:30 does not exist that day", Assert.Single(errors["endsAt"]));

        // The twin: an end past the start in UTC too (01:30 to 01:45 UTC) is a session, and so is one on another day.
        foreach (var (start, end) in new[] { (new DateTime(2027, 3, 28, 2, 30, 0), new DateTime(2027, 3, 28, 3, 45, 0)), (new DateTime(2027, 3, 27, 2, 30, 0), new DateTime(2027, 3, 27, 3, 15, 0)) })
        {
            var fine = new ItemValidator();
            fine.Validate(ItemKind.Session, ItemDatesTests.Session() with { StartsAt = start, EndsAt = end, Timezone = "Europe/Amsterdam" },
                new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), publishedAt: null);
            fine.ThrowIfAny();
        }
    }
}

/// <summary>One scheduled item that fails to publish does not hold back the others, and is not marked published.</summary>
public class ItemDatesTests : NodeTest
{
    /// <param name="failing">How many failing items are due before the good one: 101 is more than one query of due
    /// items takes (100), so a pass that looked only at the first 100 never reached the good one.</param>
    [DbTheory]
    [InlineData(1)]
    [InlineData(101)]
    public async Task A_scheduled_item_that_fails_to_publish_does_not_hold_back_the_others_and_stays_unpublished(int failing)
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var group = await Node.AddActorAsync(ActorKind.Group, "rust");
        var poisoned = new List<long>();
        GroupItem good;
        await using (var scope = Node.Scope())
        {
            var publishing = scope.ServiceProvider.GetRequiredService<PublishingService>();
            var at = DateTimeOffset.UtcNow.AddDays(1);
            for (var i = 0; i < failing; i++)
                poisoned.Add((await publishing.CreateAsync(group, ana, ItemKind.Session, Session() with { PublishAt = at }, default)).Id);
            good = await publishing.CreateAsync(group, ana, ItemKind.Post, new ItemInput { Content = "Welcome!", PublishAt = at }, default);
        }
        // As stored before its dates were checked: 9999-12-31 22:00 in New York is past year 9999 in UTC, so it cannot render.
        // It is due first, so before the fix the exception stopped the pass there, every pass.
        var now = DateTime.UtcNow;
        await Node.WithDbAsync(db => db.GroupItems.Where(i => poisoned.Contains(i.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.StartsAtLocal, new DateTime(9999, 12, 31, 20, 0, 0)).SetProperty(i => i.EndsAtLocal, new DateTime(9999, 12, 31, 22, 0, 0))
            .SetProperty(i => i.PublishAt, now.AddMinutes(-2))));
        await Node.WithDbAsync(db => db.GroupItems.Where(i => i.Id == good.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.PublishAt, now.AddMinutes(-1))));

        await using (var scope = Node.Scope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PublishingService>().PublishDueAsync(default));

        Assert.NotNull(await Node.WithDbAsync(db => db.GroupItems.Where(i => i.Id == good.Id).Select(i => i.PublishedAt).SingleAsync()));
        Assert.Equal(0, await Node.WithDbAsync(db => db.GroupItems.CountAsync(i => poisoned.Contains(i.Id) && i.PublishedAt != null)));
        // Only the good item's Create went out: nothing of the failed attempt was saved with it.
        Assert.Equal(1, await Node.WithDbAsync(db => db.OutboundActivities.CountAsync(a => a.ActorId == group.Id && a.Type == "Create")));
    }

    internal static ItemInput Session() => new()
    {
        Title = "Office hours",
        StartsAt = new DateTime(2027, 3, 15, 16, 30, 0),
        EndsAt = new DateTime(2027, 3, 15, 18, 0, 0),
        Timezone = "America/New_York",
        JoinUrl = "https://meet.example/rust",
    };
}
