using System.CommandLine;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class FollowerCommands
{
    public static Command Build()
    {
        var group = new Argument<string>("group") { Description = "The group's name" };
        var actor = new Argument<string>("actor-id") { Description = "The follower's actor id (URL), as shown by followers list" };

        var list = new Command("list", "List a group's followers and pending requests: <actor-id> <state> [handle]") { group };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var followers = await services.GetRequiredService<FollowerService>().ListAsync(parse.GetValue(group)!, token);
            foreach (var f in followers)
                Console.WriteLine($"{f.ActorUri} {f.State.ToString().ToLowerInvariant()} {f.Handle}".TrimEnd());
            Console.Error.WriteLine($"{followers.Count} follower(s) and request(s)");
        }, ct));

        var approve = new Command("approve", "Accept a pending follow request (sends Accept{Follow})") { group, actor };
        approve.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<FollowerService>().ApproveAsync(parse.GetValue(group)!, parse.GetValue(actor)!, token);
            Console.WriteLine($"Approved {parse.GetValue(actor)}; the Accept is queued for delivery");
        }, ct));

        var remove = new Command("remove", "Remove a follower or refuse a request (sends Reject{Follow})") { group, actor };
        remove.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<FollowerService>().RemoveAsync(parse.GetValue(group)!, parse.GetValue(actor)!, token);
            Console.WriteLine($"Removed {parse.GetValue(actor)}; the Reject is queued for delivery");
        }, ct));
        return new Command("followers", "See and manage who follows a group") { list, approve, remove };
    }

    public static Command BuildFollowing()
    {
        var user = new Argument<string>("user") { Description = "The member's name" };
        var target = new Argument<string>("target") { Description = "name@host of a group or person elsewhere, or its actor URL" };
        var add = new Command("add", "Follow a group or person on another server as a member") { user, target };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var remote = await services.GetRequiredService<FollowingService>().FollowAsync(parse.GetValue(user)!, parse.GetValue(target)!, token);
            Console.WriteLine($"Follow request for {remote.Uri} queued");
        }, ct));

        var list = new Command("list", "List whom a member follows: <actor-id> <state> [handle]") { user };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            foreach (var f in await services.GetRequiredService<FollowingService>().ListAsync(parse.GetValue(user)!, token))
                Console.WriteLine($"{f.ActorUri} {f.State.ToString().ToLowerInvariant()} {f.Handle}".TrimEnd());
        }, ct));

        // Not add's <target>: a name@host is never matched here, only the actor id that following list shows.
        var followed = new Argument<string>("actor-id") { Description = "The followed actor's id (URL), as shown by following list" };
        var remove = new Command("remove", "Stop following (sends Undo{Follow})") { user, followed };
        remove.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<FollowingService>().UnfollowAsync(parse.GetValue(user)!, parse.GetValue(followed)!, token);
            Console.WriteLine($"Unfollowed {parse.GetValue(followed)}");
        }, ct));
        return new Command("following", "What a member follows on other servers") { add, list, remove };
    }
}
