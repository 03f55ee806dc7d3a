using System.CommandLine;
using System.Text;
using FediLearn.Core.Federation;
using FediLearn.Core.Services;

namespace FediLearn.Web.Cli;

internal static class UserCommands
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = "The member's name, e.g. ana (also their handle: @ana@your.node)" };
        var email = new Option<string>("--email") { Description = "The member's e-mail address", Required = true };
        var role = new Option<string>("--role") { Description = "member (default) or admin (a node admin: invites people and creates groups in the web app)", DefaultValueFactory = _ => "member" };
        role.AcceptOnlyFromAmong("member", "admin");
        var add = new Command("add", "Add a member account. The password is read from standard input (asked for twice on a terminal).") { name, email, role };
        add.SetAction((parse, ct) => CliApp.ExecuteAsync(async (services, token) =>
        {
            var admin = parse.GetValue(role) == "admin";
            var password = ReadPassword();
            var person = await services.GetRequiredService<UserService>().AddAsync(parse.GetValue(name)!, parse.GetValue(email)!, password, admin, token);
            Console.WriteLine($"Added {(admin ? "admin" : "member")} {services.GetRequiredService<ActorUrls>().Handle(person)}");
        }, ct));
        return new Command("users", "Manage member accounts") { add };
    }

    private static string ReadPassword()
    {
        if (!Console.IsInputRedirected)
        {
            var first = Prompt("Password: ");
            var second = Prompt("Repeat password: ");
            if (first != second) throw new FediLearnException("the two passwords differ");
            return first;
        }
        var line = Console.In.ReadLine();
        if (string.IsNullOrEmpty(line)) throw new FediLearnException("no password on standard input (pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | … users add …)");
        return line;
    }

    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var typed = new StringBuilder();
        while (Type(typed, Console.ReadKey(intercept: true))) { }
        Console.Error.WriteLine();
        return typed.ToString();
    }

    /// <summary>
    /// One key of a password typed at the prompt: false on Enter. Backspace takes back the last character (both halves of
    /// one outside the BMP); keys that type no character (arrows, Home, Esc, function keys, Tab) are ignored, as a
    /// terminal's own password prompt does, instead of ending up in the password as <c>\0</c> or <c>\x1b</c>.
    /// </summary>
    internal static bool Type(StringBuilder typed, ConsoleKeyInfo key)
    {
        if (key.Key == ConsoleKey.Enter || key.KeyChar is '\r' or '\n') return false;
        if (key.Key == ConsoleKey.Backspace || key.KeyChar == '\b')
        {
            if (typed.Length > 0) typed.Length--;
            if (typed.Length > 0 && char.IsHighSurrogate(typed[^1])) typed.Length--;
            return true;
        }
        if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        return true;
    }
}
