using System.Text;

namespace FediLearn.ActivityPub.Json;

/// <summary>
/// One <see cref="StringBuilder"/> per thread, for code that builds a string in one synchronous call (serializing an
/// activity, writing sanitized HTML). A builder that grows chunk by chunk allocates about twice the text it ends with;
/// a kept one has the room already. <see cref="Acquire"/> takes the thread's builder (or a new one when it is in use, so
/// nesting is safe) and <see cref="Release"/> gives the text and puts the builder back, unless it grew past
/// <see cref="MaxKeptChars"/>: a rare large document does not stay in memory.
/// </summary>
public static class ThreadStringBuilder
{
    public const int MaxKeptChars = 16 * 1024;

    [ThreadStatic] private static StringBuilder? _kept;

    public static StringBuilder Acquire()
    {
        var builder = _kept;
        if (builder is null) return new StringBuilder(256);
        _kept = null;
        return builder;
    }

    public static string Release(StringBuilder builder)
    {
        var text = builder.ToString();
        if (builder.Capacity <= MaxKeptChars)
        {
            builder.Clear();
            _kept = builder;
        }
        return text;
    }
}
