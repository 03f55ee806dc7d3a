using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FediLearn.Core.Tests;

/// <summary>
/// A published check-in's closing time is compared with when it was published, not with now: an edit after it closed
/// (a typo fixed) used to be refused unless it reopened the check-in.
/// </summary>
public class CheckInEditTests : NodeTest
{
    [DbFact]
    public async Task A_closed_check_in_can_be_edited_keeping_its_closing_time_but_not_closing_before_publication()
    {
        var ana = await Node.AddActorAsync(ActorKind.Person, "ana");
        var group = await Node.AddActorAsync(ActorKind.Group, "rust");
        var checkIn = new ItemInput { Content = "Pace?", Choices = ["slow", "fast"], ClosesAt = DateTimeOffset.UtcNow.AddHours(1) };
        long id;
        await using (var scope = Node.Scope())
            id = (await scope.ServiceProvider.GetRequiredService<PublishingService>().CreateAsync(group, ana, ItemKind.Prompt, checkIn, default)).Id;
        // Published two hours ago, closed one hour ago.
        var published = DateTime.UtcNow.AddHours(-2);
        var closed = published.AddHours(1);
        await Node.WithDbAsync(db => db.GroupItems.Where(i => i.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.PublishedAt, published).SetProperty(i => i.ClosesAt, closed)));

        await using (var scope = Node.Scope())
        {
            var publishing = scope.ServiceProvider.GetRequiredService<PublishingService>();
            var item = await scope.ServiceProvider.GetRequiredService<FediLearnDbContext>().GroupItems.SingleAsync(i => i.Id == id);
            var keepsClosing = checkIn with { Content = "Pace? (typo fixed)", ClosesAt = new DateTimeOffset(DateTime.SpecifyKind(closed, DateTimeKind.Utc)) };
            await publishing.UpdateAsync(group, item, keepsClosing, default);
            Assert.Equal("Pace? (typo fixed)", item.Content);

            var beforePublication = keepsClosing with { ClosesAt = new DateTimeOffset(DateTime.SpecifyKind(published.AddMinutes(-1), DateTimeKind.Utc)) };
            var errors = (await Assert.ThrowsAsync<ItemValidationException>(() => publishing.UpdateAsync(group, item, beforePublication, default))).Errors;
            Assert.Equal(["The closing time must be after publication."], errors["closesAt"]);
        }
    }
}
