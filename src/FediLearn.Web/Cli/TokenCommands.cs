using System.CommandLine;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Cli;

internal static class TokenCommands
{
    public static Command Build()
    {
        var user = new Argument<string>("user") { Description = "The member the token acts for" };
        var name = new Option<string?>("--name") { Description = "What the token is for, e.g. \"course scheduler\"" };
        var add = new Command("add", "Create a personal access token for the JSON API; prints the token alone on standard output (it is shown only once)") { user, name };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var value = await services.GetRequiredService<TokenService>().CreateAsync(parse.GetValue(user)!, parse.GetValue(name), token);
            Console.WriteLine(value);
        }, ct));
        return new Command("tokens", "Personal access tokens for the JSON API (docs/api.md)") { add };
    }

    public static Command BuildTimeline()
    {
        var user = new Argument<string>("user") { Description = "The member" };
        var limit = CliApp.Limit("How many, newest first", 20, 1000);
        var timeline = new Command("timeline", "What the groups a member follows elsewhere have published: <type> <id> <name>") { user, limit };
        timeline.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var db = services.GetRequiredService<FediLearnDbContext>();
            var userName = parse.GetValue(user)!;
            var person = await db.FindPersonAsync(userName, token);
            var followed = db.Followings.Where(f => f.LocalActorId == person.Id).Select(f => f.RemoteActor!.Uri);
            var rows = await db.RemoteObjects.AsNoTracking().Where(o => followed.Contains(o.AttributedTo))
                .OrderByDescending(o => o.Id).Take(parse.GetValue(limit)).ToListAsync(token);
            foreach (var o in rows)
                Console.WriteLine($"{o.Type} {o.Uri} {(o.DeletedAt is null ? "" : "[deleted] ")}{(o.UpdatedAt is null ? "" : "[edited] ")}{o.Name}".TrimEnd());
        }, ct));
        return timeline;
    }
}
