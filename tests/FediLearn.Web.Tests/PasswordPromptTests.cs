using System.Text;
using FediLearn.Web.Cli;

namespace FediLearn.Web.Tests;

/// <summary>
/// <c>users add</c> on a terminal reads the password key by key: keys that type nothing (arrows, Esc, Tab, function keys)
/// must not end up in the password, where the member could never type them again at the login form.
/// </summary>
public sealed class PasswordPromptTests
{
    private static ConsoleKeyInfo Key(char c, ConsoleKey key = default) =>
        new(c, key == default ? (ConsoleKey)char.ToUpperInvariant(c) : key, false, false, false);

    private static string TypeAll(params ConsoleKeyInfo[] keys)
    {
        var typed = new StringBuilder();
        foreach (var key in keys)
            if (!UserCommands.Type(typed, key)) return typed.ToString();
        throw new Xunit.Sdk.XunitException("the prompt never ended: no Enter");
    }

    [Fact]
    public void Keys_that_type_no_character_are_left_out()
    {
        var password = TypeAll(Key('s'), Key('\0', ConsoleKey.LeftArrow), Key('e'), Key('\x1b', ConsoleKey.Escape), Key('\0', ConsoleKey.F5),
            Key('c'), Key('\t', ConsoleKey.Tab), Key('\0', ConsoleKey.Home), Key('!', ConsoleKey.D1), Key('\r', ConsoleKey.Enter));
        Assert.Equal("sec!", password);
    }

    [Fact]
    public void Backspace_takes_back_one_character_even_outside_the_basic_plane()
    {
        ConsoleKeyInfo[] Keys(string text) => [.. text.Select(c => Key(c, ConsoleKey.Packet))];
        ConsoleKeyInfo backspace = Key('\b', ConsoleKey.Backspace), enter = Key('\r', ConsoleKey.Enter);

        Assert.Equal("pas", TypeAll([.. Keys("pa🔑"), backspace, .. Keys("s"), enter]));
        Assert.Equal("ok", TypeAll([.. Keys("ab"), backspace, backspace, backspace, .. Keys("ok"), enter])); // more than typed
        Assert.Equal("pá", TypeAll([.. Keys("pá"), enter]));
    }
}
