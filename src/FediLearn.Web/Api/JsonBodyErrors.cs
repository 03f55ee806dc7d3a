using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FediLearn.Web.Api;

/// <summary>
/// A JSON API body that System.Text.Json refused (malformed, a wrong type, an unknown field), as the field it is about
/// and a message an API user can act on: without .NET type names, line numbers or positions.
/// </summary>
public static partial class JsonBodyErrors
{
    public static (string Field, string Message) Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        message = TypeName().Replace(message, "the request");
        var unmapped = UnmappedProperty().Match(message);
        if (unmapped.Success)
            return (unmapped.Groups[1].Value, $"Unknown field \"{unmapped.Groups[1].Value}\": this request has no such field (check its spelling in docs/api.md).");
        var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
        return (field, message.Replace("System.", ""));
    }

    /// <summary>As <see cref="Describe"/>, answered as a 400 validation problem naming the field.</summary>
    public static IResult Invalid(JsonException e)
    {
        var (field, message) = Describe(e);
        return ApiAuth.Invalid(new Dictionary<string, string[]> { [field] = [message] });
    }

    /// <summary>
    /// Every string of a JSON API body: one holding a NUL (<c>\u0000</c>) is refused, naming the field. PostgreSQL takes no
    /// NUL in text, so such a title, content, reason or id was a 500 there (a failed insert or look-up), and on SQLite it
    /// was stored as sent. Written as the default converter writes.
    /// </summary>
    public sealed class TextWithoutNul : JsonConverter<string>
    {
        public const string Message = "Text may not contain the NUL character (\\u0000).";

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return value is not null && value.Contains('\0') ? throw new JsonException(Message) : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        // Dictionary keys (a problem's "errors") go through the converter of string too.
        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString()!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
    }

    [GeneratedRegex(@"'?FediLearn\.[\w.+]*\w'?")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"^The JSON property '([^']*)' could not be mapped to any \.NET member")]
    private static partial Regex UnmappedProperty();
}
