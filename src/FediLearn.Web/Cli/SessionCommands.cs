using System.CommandLine;
using System.Globalization;
using FediLearn.Core.Data;
using FediLearn.Core.Feeds;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class SessionCommands
{
    public static Command Build()
    {
        var group = new Argument<string>("group") { Description = "The group's name" };
        var session = new Argument<long>("session-id") { Description = "The session's number (the last part of its URL, the API's localId)" };
        var actor = new Argument<string>("actor") { Description = "The attendee's actor id (URL), as shown by sessions attendees" };
        var message = new Option<string?>("--message") { Description = "The reminder's text (plain text); by default the title and start time" };

        var past = new Option<bool>("--past") { Description = "Sessions that have ended, latest first" };
        var limit = CliApp.Limit("How many", 20, 500);
        var list = new Command("list", "List a group's published sessions not yet ended, soonest first: <session-id> <start, local> <zone abbreviation> (<IANA zone>) <scheduled|ended|cancelled> <title>") { group, past, limit };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var found = await services.GetRequiredService<FediLearnDbContext>().FindGroupAsync(parse.GetValue(group)!, token);
            var ended = parse.GetValue(past);
            var sessions = await services.GetRequiredService<WorkspaceService>().SessionsAsync(found, ended, parse.GetValue(limit), token);
            foreach (var s in sessions)
                Console.WriteLine($"{s.Id} {s.StartsAtLocal.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture)} {SessionTime.Abbreviation(s.TimeZone, s.StartsAtLocal)} ({s.TimeZone}) "
                    + $"{(s.Cancelled ? "cancelled" : ended ? "ended" : "scheduled")} {s.Title}");
            Console.Error.WriteLine($"{sessions.Count} {(ended ? "past" : "upcoming")} session(s)");
        }, ct));

        var attendees = new Command("attendees", "List a session's RSVPs: <actor> <yes|maybe|no|pending> <since, UTC>") { group, session };
        attendees.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var rsvps = services.GetRequiredService<RsvpService>();
            var (found, _) = await rsvps.RequireSessionAsync(parse.GetValue(group)!, parse.GetValue(session), token);
            var list = await rsvps.AttendeesAsync(found.Id, token);
            foreach (var a in list)
                Console.WriteLine($"{a.ActorUri} {a.Status.ToString().ToLowerInvariant()} {a.Since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}");
            Console.Error.WriteLine($"{list.Count} answer(s)");
        }, ct));

        var approve = new Command("approve", "Approve a pending attendee (sends Accept{Join} to a remote one)") { group, session, actor };
        approve.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var rsvps = services.GetRequiredService<RsvpService>();
            var (found, owner) = await rsvps.RequireSessionAsync(parse.GetValue(group)!, parse.GetValue(session), token);
            await rsvps.DecideAsync(found, owner, parse.GetValue(actor)!, approve: true, token);
            Console.WriteLine($"Approved {parse.GetValue(actor)}");
        }, ct));

        var reject = new Command("reject", "Refuse a pending attendee (sends Reject{Join} to a remote one)") { group, session, actor };
        reject.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var rsvps = services.GetRequiredService<RsvpService>();
            var (found, owner) = await rsvps.RequireSessionAsync(parse.GetValue(group)!, parse.GetValue(session), token);
            await rsvps.DecideAsync(found, owner, parse.GetValue(actor)!, approve: false, token);
            Console.WriteLine($"Refused {parse.GetValue(actor)}");
        }, ct));

        var remind = new Command("remind", "Send a reminder to those who answered yes or maybe (a direct Note from the group)") { group, session, message };
        remind.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var rsvps = services.GetRequiredService<RsvpService>();
            var (found, owner) = await rsvps.RequireSessionAsync(parse.GetValue(group)!, parse.GetValue(session), token);
            var count = await rsvps.RemindAsync(found, owner, parse.GetValue(message), token);
            Console.WriteLine(count == 0 ? "Nobody has answered yes or maybe: no reminder sent" : $"Reminded {count} attendee(s)");
        }, ct));
        return new Command("sessions", "A group's sessions and their attendees: list them, approve or refuse pending ones, send reminders") { list, attendees, approve, reject, remind };
    }
}
