using System.CommandLine;
using FediLearn.Core.Federation;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Services;
using FediLearn.Web.Html;

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
        var lane = new Option<string?>("--lane")
        {
            Description = $"Start from a template: {string.Join(", ", Lanes.All.Select(l => l.Key))} (sets approval and posting policy, publishes a first item by --facilitator)",
        };
        var timezone = new Option<string?>("--timezone") { Description = "The IANA zone new sessions start in, e.g. Europe/Amsterdam" };
        var membersOnly = new Option<bool>("--members-only")
        {
            Description = "A private cohort: content goes to approved participants only and is served only to their servers (implies --approval)",
        };
        var add = new Command("add", "Create a learning group") { name, title, summary, approval, facilitator, lane, timezone, membersOnly };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var groups = services.GetRequiredService<GroupService>();
            var laneKey = parse.GetValue(lane);
            var template = laneKey is null ? null : Lanes.Find(laneKey)
                ?? throw new FediLearnException($"\"{laneKey}\" is not a lane: use {string.Join(", ", Lanes.All.Select(l => l.Key))}");
            var group = template is null && parse.GetValue(timezone) is null && !parse.GetValue(membersOnly)
                ? await groups.AddAsync(parse.GetValue(name)!, parse.GetValue(title)!, parse.GetValue(summary), parse.GetValue(approval), parse.GetValue(facilitator), token)
                : await groups.CreateFromLaneAsync(parse.GetValue(name)!, parse.GetValue(title)!, parse.GetValue(summary), template, parse.GetValue(approval),
                    parse.GetValue(timezone), null, await FacilitatorAsync(services, parse.GetValue(facilitator), template, token), token, parse.GetValue(membersOnly));
            var urls = services.GetRequiredService<ActorUrls>();
            Console.WriteLine($"Created group {urls.Handle(group)}{(template is null ? "" : $" from the {template.Name.ToLowerInvariant()} lane, with its first item \"{template.FirstTitle}\"")}");
            Console.WriteLine($"  profile: {urls.Actor(group)}");
            Console.WriteLine($"  followers {(group.ManuallyApprovesFollowers ? "need approval (followers approve)" : "are accepted automatically")}");
            if (group.MembersOnly) Console.WriteLine("  members-only: its content reaches approved participants only");
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
            var name = parse.GetValue(setGroup)!;
            var applied = await services.GetRequiredService<GroupService>().SetPostingPolicyAsync(name, parse.GetValue(policy)!, token);
            var setting = applied.ToString().ToLowerInvariant();
            // An archived group takes replies from its facilitators only, whatever the setting: saying "now takes replies
            // from: open" would promise what is not in force. The setting is kept for when the group is unarchived.
            var group = await services.GetRequiredService<FediLearnDbContext>().FindGroupAsync(name, token);
            if (group.IsArchivedAt(services.GetRequiredService<TimeProvider>().GetUtcNow()) && applied != PostingPolicy.Facilitators)
                Console.WriteLine($"{name} is archived: while it is, only facilitators reply. Its posting policy is now {setting}, in force once it is unarchived");
            else
                Console.WriteLine($"{name} now takes replies from: {setting}");
        }, ct));
        return new Command("groups", "Manage learning groups") { add, list, set };
    }

    /// <summary>A lane's first item needs an author: the --facilitator, who must exist.</summary>
    private static async Task<FediLearn.Core.Data.Entities.LocalActor?> FacilitatorAsync(IServiceProvider services, string? userName, LaneTemplate? template, CancellationToken ct)
    {
        if (userName is null)
            return template is null ? null : throw new FediLearnException("a group started from a lane needs --facilitator <member>: the first item is published in their name");
        return await services.GetRequiredService<FediLearnDbContext>().FindPersonAsync(userName, ct);
    }

    public static Command BuildFacilitators()
    {
        var group = new Argument<string>("group") { Description = "The group's name" };
        var user = new Argument<string>("user") { Description = "The member's name" };
        var add = new Command("add", "Make a member a facilitator of a group") { group, user };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<GroupService>().AddFacilitatorAsync(parse.GetValue(group)!, parse.GetValue(user)!, null, token);
            Console.WriteLine($"{parse.GetValue(user)} now facilitates {parse.GetValue(group)}");
        }, ct));

        var list = new Command("list", "List who facilitates a group: <user> <since, UTC>") { group };
        list.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var facilitators = await services.GetRequiredService<GroupService>().FacilitatorsAsync(parse.GetValue(group)!, token);
            foreach (var f in facilitators)
                Console.WriteLine($"{f.Name} {ViewerTime.Iso(f.Since)}");
            Console.Error.WriteLine($"{facilitators.Count} facilitator(s)");
        }, ct));

        var remove = new Command("remove", "Stop a member facilitating a group (not its last facilitator)") { group, user };
        remove.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            await services.GetRequiredService<GroupService>().RemoveFacilitatorAsync(parse.GetValue(group)!, parse.GetValue(user)!, null, token);
            Console.WriteLine($"{parse.GetValue(user)} no longer facilitates {parse.GetValue(group)}");
        }, ct));
        return new Command("facilitators", "Manage who facilitates a group") { add, list, remove };
    }
}
