using System.CommandLine;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class GroupCommands
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = "The group's name, e.g. rust-circle (its handle becomes @rust-circle@your.node)" };
        var title = new Option<string>("--title") { Description = "The group's display title", Required = true };
        var summary = new Option<string?>("--summary") { Description = "A short description shown on its profile" };
        var approval = new Option<bool>("--approval") { Description = "Facilitators approve each follower (followers approve …)" };
        var facilitator = new Option<string?>("--facilitator") { Description = "A member who facilitates the group" };
        var add = new Command("add", "Create a learning group") { name, title, summary, approval, facilitator };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var group = await services.GetRequiredService<GroupService>().AddAsync(
                parse.GetValue(name)!, parse.GetValue(title)!, parse.GetValue(summary), parse.GetValue(approval), parse.GetValue(facilitator), token);
            var urls = services.GetRequiredService<ActorUrls>();
            Console.WriteLine($"Created group {urls.Handle(group)}");
            Console.WriteLine($"  profile: {urls.Actor(group)}");
            Console.WriteLine($"  followers {(group.ManuallyApprovesFollowers ? "need approval (followers approve)" : "are accepted automatically")}");
        }, ct));

        var list = new Command("list", "List the groups on this node");
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var groups = await services.GetRequiredService<GroupService>().ListAsync(token);
            if (groups.Count == 0)
            {
                Console.WriteLine("No groups yet. Create one with: groups add <name> --title \"<title>\"");
                return;
            }
            var urls = services.GetRequiredService<ActorUrls>();
            Console.WriteLine($"{"NAME",-24} {"FOLLOWERS",9} {"PENDING",7}  {"APPROVAL",-8}  TITLE");
            foreach (var g in groups)
                Console.WriteLine($"{g.Name,-24} {g.Followers,9} {g.Pending,7}  {(g.RequiresApproval ? "yes" : "no"),-8}  {g.Title}"
                    + (g.Facilitators.Count > 0 ? $"  (facilitators: {string.Join(", ", g.Facilitators)})" : ""));
            Console.WriteLine($"{groups.Count} group(s) on {urls.Authority}");
        }, ct));
        var setGroup = new Argument<string>("name") { Description = "The group's name" };
        var policy = new Option<string>("--posting-policy")
        {
            Description = "Who may reply in its threads: open (anyone not banned), participants (approved followers and facilitators) or facilitators",
            Required = true,
        };
        var set = new Command("set", "Change a group's settings") { setGroup, policy };
        set.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var applied = await services.GetRequiredService<GroupService>().SetPostingPolicyAsync(parse.GetValue(setGroup)!, parse.GetValue(policy)!, token);
            Console.WriteLine($"{parse.GetValue(setGroup)} now takes replies from: {applied.ToString().ToLowerInvariant()}");
        }, ct));
        return new Command("groups", "Manage learning groups") { add, list, set };
    }

    public static Command BuildFacilitators()
    {
        var group = new Argument<string>("group") { Description = "The group's name" };
        var user = new Argument<string>("user") { Description = "The member's name" };
        var add = new Command("add", "Make a member a facilitator of a group") { group, user };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<GroupService>().AddFacilitatorAsync(parse.GetValue(group)!, parse.GetValue(user)!, token);
            Console.WriteLine($"{parse.GetValue(user)} now facilitates {parse.GetValue(group)}");
        }, ct));
        return new Command("facilitators", "Manage who facilitates a group") { add };
    }
}
