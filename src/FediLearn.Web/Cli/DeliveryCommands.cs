using System.CommandLine;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class DeliveryCommands
{
    public static Command Build()
    {
        var failed = new Option<bool>("--failed") { Description = "Only deliveries that failed for good" };
        var limit = CliApp.Limit("How many to show, newest first", 50, 10_000);
        var list = new Command("list", "List queued, running and failed deliveries with their last error and next attempt") { failed, limit };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var admin = services.GetRequiredService<DeliveryAdminService>();
            var rows = await admin.ListAsync(parse.GetValue(failed), parse.GetValue(limit), token);
            var counts = await admin.CountsAsync(token);
            Console.WriteLine($"{"ID",8}  {"STATE",-9} {"TRIES",5}  {"NEXT ATTEMPT (UTC)",-19}  {"TYPE",-8} INBOX / LAST ERROR");
            foreach (var r in rows)
                Console.WriteLine($"{r.Id,8}  {r.State.ToString().ToLowerInvariant(),-9} {r.Attempts,5}  {(r.State == DeliveryState.Pending ? r.NextAttemptAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") : "-"),-19}  {r.ActivityType,-8} {r.Inbox}"
                    + (r.LastError is null ? "" : $"  [{r.LastError}]"));
            Console.WriteLine(string.Join(", ", Enum.GetValues<DeliveryState>().Select(s => $"{counts.GetValueOrDefault(s)} {s.ToString().ToLowerInvariant()}")));
        }, ct));

        var id = new Argument<long?>("id") { Description = "The delivery id (from deliveries list)", Arity = ArgumentArity.ZeroOrOne };
        var allFailed = new Option<bool>("--all-failed") { Description = "Retry every failed delivery (not abandoned ones)" };
        var retry = new Command("retry", "Queue failed deliveries again, now, with a fresh attempt budget") { id, allFailed };
        retry.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var one = parse.GetValue(id);
            var all = parse.GetValue(allFailed);
            if (one is null == !all) throw new FediLearnException("give either a delivery id or --all-failed");
            var count = await services.GetRequiredService<DeliveryAdminService>().RetryAsync(one, token);
            Console.WriteLine($"{count} deliver{(count == 1 ? "y" : "ies")} queued again");
        }, ct));
        return new Command("deliveries", "See and retry outgoing deliveries") { list, retry };
    }

    public static Command BuildDomains()
    {
        var domain = new Argument<string>("domain") { Description = "A domain, e.g. spam.example (its subdomains are blocked too)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record" };
        var block = new Command("block", "Refuse every request signed by a domain (403) node-wide") { domain, reason };
        block.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var d = await services.GetRequiredService<DomainBlockService>().BlockAsync(parse.GetValue(domain)!, parse.GetValue(reason), token);
            Console.WriteLine($"Blocked {d}");
        }, ct));
        var unblock = new Command("unblock", "Lift a domain block") { domain };
        unblock.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var d = await services.GetRequiredService<DomainBlockService>().UnblockAsync(parse.GetValue(domain)!, token);
            Console.WriteLine($"Unblocked {d}");
        }, ct));
        var list = new Command("list", "List blocked domains");
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            foreach (var b in await services.GetRequiredService<DomainBlockService>().ListAsync(token))
                Console.WriteLine($"{b.Domain} {b.Reason}".TrimEnd());
        }, ct));
        return new Command("domains", "Block whole remote domains node-wide") { block, unblock, list };
    }
}
