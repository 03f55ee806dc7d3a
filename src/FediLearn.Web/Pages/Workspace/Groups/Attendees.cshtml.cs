using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Pages.Workspace.Groups;

public sealed record AttendeeRow(string ActorUri, string? Handle, string Server, RsvpStatus Status, DateTime Since);

/// <summary>
/// /workspace/{group}/sessions/{id}/attendees: who answered going, maybe, not going, or waits for approval; Approve and
/// Refuse for those waiting (RsvpService.DecideAsync: Accept{Join} / Reject{Join}); a reminder to those coming
/// (RsvpService.RemindAsync). A refusal by the service (full, cancelled) shows beside the row it is about.
/// </summary>
public sealed class AttendeesModel(FediLearnDbContext db, RsvpService rsvps, ActorUrls urls) : GroupPageModel
{
    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    public GroupItem Session { get; private set; } = null!;
    public string SessionUrl => urls.Item(Group.Name, ItemKind.Session, Session.Id);
    public IReadOnlyList<AttendeeRow> Attendees { get; private set; } = [];
    public string? Done { get; private set; }

    /// <summary>The attendee a refused decision was about, and why: shown beside that row.</summary>
    public string? ErrorActor { get; private set; }
    public string? ErrorMessage { get; private set; }

    [BindProperty] public string? Message { get; set; }

    protected override async Task<IActionResult?> FindTargetAsync(CancellationToken ct)
    {
        var session = await db.GroupItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == Id && i.GroupId == Group.Id && i.Kind == ItemKind.Session && i.DeletedAt == null, ct);
        if (session is null) return NotFound();
        Session = session;
        return null;
    }

    public async Task OnGetAsync(string? done, int? reminded, CancellationToken ct)
    {
        Done = done switch
        {
            "approved" => "Approved: their server was sent an Accept, and they count as going.",
            "refused" => "Refused: their server was sent a Reject, and their request is gone.",
            "reminded" when reminded is { } n => n == 0
                ? "No one has answered going or maybe yet, so no reminder was sent."
                : $"Reminder sent to {n} {(n == 1 ? "person" : "people")} (going or maybe), as a private message from the group.",
            _ => null,
        };
        await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostApproveAsync(string? actor, CancellationToken ct) => DecideAsync(actor, approve: true, ct);

    public Task<IActionResult> OnPostRefuseAsync(string? actor, CancellationToken ct) => DecideAsync(actor, approve: false, ct);

    public async Task<IActionResult> OnPostRemindAsync(CancellationToken ct)
    {
        if (Message is { Length: > 2000 })
        {
            ModelState.AddModelError("message", "At most 2000 characters.");
            await LoadAsync(ct);
            return Page();
        }
        try
        {
            var count = await rsvps.RemindAsync(Session, Group, Message, ct);
            return Redirect($"{Base}/sessions/{Id}/attendees?done=reminded&reminded={count}");
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("message", AccountForms.Sentence(e.Message));
            await LoadAsync(ct);
            return Page();
        }
    }

    private async Task<IActionResult> DecideAsync(string? actor, bool approve, CancellationToken ct)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(actor)) throw new FediLearnException("choose someone waiting for approval");
            await rsvps.DecideAsync(Session, Group, actor.Trim(), approve, ct);
            return Redirect($"{Base}/sessions/{Id}/attendees?done={(approve ? "approved" : "refused")}");
        }
        catch (FediLearnException e)
        {
            ErrorActor = actor;
            ErrorMessage = AccountForms.Sentence(e.Message);
            await LoadAsync(ct);
            if (Attendees.All(a => a.ActorUri != actor)) ModelState.AddModelError("", ErrorMessage);
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var answers = await rsvps.AttendeesAsync(Session.Id, ct);
        var uris = answers.Select(a => a.ActorUri).ToList();
        var remote = await db.RemoteActors.AsNoTracking().Where(a => uris.Contains(a.Uri))
            .Select(a => new { a.Uri, a.Username, a.Host }).ToListAsync(ct);
        Attendees = answers.Select(a =>
        {
            string? handle = null;
            if (urls.Parse(a.ActorUri) is { } local) handle = $"@{local.Name}@{urls.Authority}";
            else if (remote.FirstOrDefault(r => r.Uri == a.ActorUri) is { Username: { Length: > 0 } user } r) handle = $"@{user}@{r.Host}";
            return new AttendeeRow(a.ActorUri, handle, Server(a.ActorUri), a.Status, a.Since);
        }).ToList();
    }
}
