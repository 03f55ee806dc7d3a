using System.Globalization;

namespace FediLearn.Core.Text;

/// <summary>A size in bytes as people read it: "25 MiB", "4 KiB", "1.5 KiB", "900 bytes".</summary>
public static class ByteSizes
{
    public static string Text(long bytes) =>
        bytes >= 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB")
        : bytes >= 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB")
        : $"{bytes} bytes";
}
