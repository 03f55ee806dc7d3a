using System.Security.Claims;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages.Workspace;

/// <summary>/workspace/notifications: what happened in the groups the signed-in member facilitates (NotificationService).</summary>
public sealed class NotificationsModel(NotificationService notifications, UserService accounts) : PageModel
{
    public IReadOnlyList<Notification> Items { get; private set; } = [];
    public bool Facilitates { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var person = await accounts.PersonOfAsync(User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", ct);
        if (person is null) return;
        Items = await notifications.ListAsync(person, ct);
        Facilitates = Items.Count > 0 || await accounts.FacilitatesAnyAsync(person, ct);
    }

    public async Task<IActionResult> OnPostReadAsync(CancellationToken ct)
    {
        var person = await accounts.PersonOfAsync(User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", ct);
        if (person is not null) await notifications.MarkReadAsync(person, ct);
        return Redirect("/workspace/notifications");
    }
}
