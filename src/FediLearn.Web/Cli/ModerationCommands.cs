using System.CommandLine;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class ModerationCommands
{
    public static Command Build()
    {
        var group = new Argument<string>("group") { Description = "The group's name" };
        var target = new Argument<string>("target") { Description = "The reply's id (URL) or the actor's id (URL)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the moderation log" };
        var comment = new Option<string?>("--comment") { Description = "Why, for the author's server and the moderation log" };

        var remove = new Command("remove", "Remove a reply from a group's thread (sends Undo{Announce} and Announce{Delete})") { group, target, reason };
        remove.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<ModerationService>().RemoveReplyAsync(parse.GetValue(group)!, parse.GetValue(target)!, null, parse.GetValue(reason), token);
            Console.WriteLine($"Removed {parse.GetValue(target)}");
        }, ct));

        var report = new Command("report", "Report a reply to its author's server (a Flag from the instance actor)") { group, target, comment };
        report.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<ModerationService>().ReportRemoteAsync(parse.GetValue(group)!, parse.GetValue(target)!, null, parse.GetValue(comment), token);
            Console.WriteLine($"Reported {parse.GetValue(target)}; the Flag is queued for delivery");
        }, ct));

        var ban = new Command("ban", "Ban an actor from a group: refused from now on, and removed as follower (Reject{Follow})") { group, target, reason };
        ban.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<ModerationService>().BanAsync(parse.GetValue(group)!, parse.GetValue(target)!, null, parse.GetValue(reason), token);
            Console.WriteLine($"Banned {parse.GetValue(target)} from {parse.GetValue(group)}");
        }, ct));

        var unban = new Command("unban", "Lift a ban") { group, target };
        unban.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<ModerationService>().UnbanAsync(parse.GetValue(group)!, parse.GetValue(target)!, null, token);
            Console.WriteLine($"Unbanned {parse.GetValue(target)}");
        }, ct));

        var log = new Command("log", "The group's moderation log and the reports (Flag) it received") { group };
        log.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var moderation = services.GetRequiredService<ModerationService>();
            foreach (var e in await moderation.LogAsync(parse.GetValue(group)!, token))
                Console.WriteLine($"{e.At:yyyy-MM-dd HH:mm} {e.Action} {e.Target} by {e.Moderator ?? "admin (CLI)"}{(e.Reason is null ? "" : $" — {e.Reason}")}");
            foreach (var r in await moderation.ReportsAsync(parse.GetValue(group)!, token))
                Console.WriteLine($"{r.CreatedAt:yyyy-MM-dd HH:mm} report from {r.ReporterUri} about {r.ObjectsJson}{(string.IsNullOrEmpty(r.Content) ? "" : $": {r.Content}")}");
        }, ct));
        return new Command("moderation", "Moderate a group: remove and report replies, ban actors, read the log and reports") { remove, report, ban, unban, log };
    }
}
