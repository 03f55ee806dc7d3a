using System.CommandLine;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using FediLearn.Web.Html;
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

        var owner = new Argument<string>("user") { Description = "The member" };
        var list = new Command("list", "List a member's tokens, newest first, never their secret: <id> <created, UTC> <last used, UTC, or never> <name>") { owner };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var person = await services.GetRequiredService<FediLearnDbContext>().FindPersonAsync(parse.GetValue(owner)!, token);
            var tokens = await services.GetRequiredService<UserService>().ListTokensAsync(person.Id, token);
            foreach (var t in tokens)
                Console.WriteLine($"{t.Id} {ViewerTime.Iso(t.CreatedAt)} {(t.LastUsedAt is { } used ? ViewerTime.Iso(used) : "never")} {t.Name}");
            Console.Error.WriteLine($"{tokens.Count} token(s)");
        }, ct));

        var id = new Argument<long>("id") { Description = "The token's id, as shown by tokens list" };
        var revoke = new Command("revoke", "Delete one of a member's tokens: the API refuses it from then on") { owner, id };
        revoke.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var userName = parse.GetValue(owner)!;
            var person = await services.GetRequiredService<FediLearnDbContext>().FindPersonAsync(userName, token);
            if (!await services.GetRequiredService<UserService>().RevokeTokenAsync(person.Id, parse.GetValue(id), token))
                throw new FediLearnException($"{userName} has no token {parse.GetValue(id)} (see tokens list {userName})");
            Console.WriteLine($"Revoked token {parse.GetValue(id)} of {userName}");
        }, ct));
        return new Command("tokens", "Personal access tokens for the JSON API (docs/api.md)") { add, list, revoke };
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
