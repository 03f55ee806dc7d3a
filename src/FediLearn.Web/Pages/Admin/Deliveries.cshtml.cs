using System.Globalization;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FediLearn.Web.Pages;

/// <summary>
/// /admin/deliveries: the delivery dashboard Hangfire users expect (DeliveryAdminService): counts per state, the newest
/// queued, failed and abandoned deliveries, troubled hosts, and the inbox queue. Every action is a POST that redirects
/// back to the same tab with a notice.
/// </summary>
public sealed class DeliveriesModel(DeliveryAdminService deliveries) : PageModel
{
    public const int Limit = 100;
    private const int InboxFailures = 20;

    public static readonly (string Key, string Label)[] Tabs =
        [("queued", "Queued"), ("failed", "Failed"), ("abandoned", "Abandoned"), ("hosts", "Dead and failing hosts")];

    [TempData] public string? Done { get; set; }
    public string Tab { get; private set; } = "queued";
    public Dictionary<DeliveryState, int> Counts { get; private set; } = [];
    public IReadOnlyList<DeliveryView> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public IReadOnlyList<HostView> Hosts { get; private set; } = [];
    public Dictionary<InboxState, int> InboxCounts { get; private set; } = [];
    public IReadOnlyList<InboxFailureView> InboxFailed { get; private set; } = [];

    public async Task OnGetAsync(string? tab, CancellationToken ct) => await LoadAsync(tab, ct);

    public Task<IActionResult> OnPostRetryAsync(long? id, string? tab, CancellationToken ct) =>
        OneAsync(id, tab, async one =>
        {
            await deliveries.RetryAsync(one, ct);
            return $"Delivery {one} is queued again and will be sent now.";
        }, ct);

    public Task<IActionResult> OnPostAbandonAsync(long? id, string? tab, CancellationToken ct) =>
        OneAsync(id, tab, async one =>
        {
            await deliveries.AbandonAsync(one, ct);
            return $"Delivery {one} is abandoned: it will not be sent. Retry it from the Abandoned tab if you change your mind.";
        }, ct);

    public Task<IActionResult> OnPostRetryAllAsync(string? tab, CancellationToken ct) =>
        RunAsync(tab, async () =>
        {
            var count = await deliveries.RetryAsync(null, ct);
            return count == 0 ? "There were no failed deliveries to retry." : $"{count} failed deliver{(count == 1 ? "y is" : "ies are")} queued again and will be sent now.";
        }, ct);

    public Task<IActionResult> OnPostReviveAsync(string? host, string? tab, CancellationToken ct) =>
        RunAsync(tab, async () =>
        {
            if (string.IsNullOrWhiteSpace(host)) throw new FediLearnException("choose a host to revive");
            await deliveries.ReviveHostAsync(host, ct);
            return $"{host} is no longer marked dead; its queued deliveries are tried again within a few seconds.";
        }, ct);

    private async Task<IActionResult> OneAsync(long? id, string? tab, Func<long, Task<string>> action, CancellationToken ct)
    {
        if (id is not { } one || !await deliveries.ExistsAsync(one, ct)) return NotFound();
        return await RunAsync(tab, () => action(one), ct);
    }

    private async Task<IActionResult> RunAsync(string? tab, Func<Task<string>> action, CancellationToken ct)
    {
        try
        {
            Done = await action();
            return RedirectToPage(new { tab = KnownTab(tab) });
        }
        catch (FediLearnException e)
        {
            ModelState.AddModelError("", AccountForms.Sentence(e.Message));
            await LoadAsync(tab, ct);
            return Page();
        }
    }

    private async Task LoadAsync(string? tab, CancellationToken ct)
    {
        Tab = KnownTab(tab);
        Counts = await deliveries.CountsAsync(ct);
        DeliveryState[]? states = Tab switch
        {
            "queued" => [DeliveryState.Pending, DeliveryState.Running],
            "failed" => [DeliveryState.Failed],
            "abandoned" => [DeliveryState.Abandoned],
            _ => null,
        };
        if (states is not null) (Rows, Total) = await deliveries.ListAsync(states, Limit, ct);
        Hosts = await deliveries.TroubledHostsAsync(Limit, ct);
        InboxCounts = await deliveries.InboxCountsAsync(ct);
        InboxFailed = await deliveries.FailedInboxAsync(InboxFailures, ct);
    }

    private static string KnownTab(string? tab) => Tabs.Any(t => t.Key == tab) ? tab! : "queued";

    /// <summary>Queue times to the second, always with their zone.</summary>
    public static string Utc(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string State(DeliveryState s) => s.ToString().ToLowerInvariant();
}
