using System.Net;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace FediLearn.Web.Pages;

/// <summary>
/// One labelled form field with its hint and its error message beside it, tied together with aria-describedby
/// and aria-invalid, so every form on the site validates the same accessible way.
/// </summary>
public static class FormFields
{
    public static IHtmlContent Input(ModelStateDictionary state, string name, string label, string? value = null, string type = "text",
        string? hint = null, string? autocomplete = null, bool required = true, int? maxLength = null)
    {
        var (describedBy, invalid, messages) = Describe(state, name, hint);
        var id = Id(name);
        var html = $"<label for=\"{id}\">{E(label)}</label>"
            + $"<input id=\"{id}\" name=\"{E(name)}\" type=\"{type}\""
            + (type == "password" || value is null ? "" : $" value=\"{E(value)}\"")
            + (autocomplete is null ? "" : $" autocomplete=\"{autocomplete}\"")
            + (required ? " required" : "")
            + (maxLength is { } max ? $" maxlength=\"{max}\"" : "")
            + (describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : "")
            + (invalid ? " aria-invalid=\"true\"" : "") + ">"
            + messages;
        return new HtmlString(html);
    }

    public static IHtmlContent TextArea(ModelStateDictionary state, string name, string label, string? value, string? hint = null, int rows = 4)
    {
        var (describedBy, invalid, messages) = Describe(state, name, hint);
        var id = Id(name);
        return new HtmlString($"<label for=\"{id}\">{E(label)}</label>"
            + $"<textarea id=\"{id}\" name=\"{E(name)}\" rows=\"{rows}\""
            + (describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : "")
            + (invalid ? " aria-invalid=\"true\"" : "") + $">{E(value)}</textarea>" + messages);
    }

    public static IHtmlContent Select(ModelStateDictionary state, string name, string label, IEnumerable<(string Value, string Text)> options, string? selected, string? hint = null)
    {
        var (describedBy, invalid, messages) = Describe(state, name, hint);
        var id = Id(name);
        var items = string.Concat(options.Select(o =>
            $"<option value=\"{E(o.Value)}\"{(o.Value == selected ? " selected" : "")}>{E(o.Text)}</option>"));
        return new HtmlString($"<label for=\"{id}\">{E(label)}</label>"
            + $"<select id=\"{id}\" name=\"{E(name)}\""
            + (describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : "")
            + (invalid ? " aria-invalid=\"true\"" : "") + $">{items}</select>" + messages);
    }

    /// <summary>A checkbox inside its label (value "true", so it binds to a bool), with an optional hint and error.</summary>
    public static IHtmlContent Checkbox(ModelStateDictionary state, string name, string label, bool isChecked, string? hint = null)
    {
        var (describedBy, invalid, messages) = Describe(state, name, hint);
        var id = Id(name);
        return new HtmlString($"<label class=\"check\" for=\"{id}\"><input id=\"{id}\" type=\"checkbox\" name=\"{E(name)}\" value=\"true\""
            + (isChecked ? " checked" : "")
            + (describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : "")
            + (invalid ? " aria-invalid=\"true\"" : "") + $"> {E(label)}</label>" + messages);
    }

    /// <summary>A file input; the form around it needs enctype="multipart/form-data".</summary>
    public static IHtmlContent File(ModelStateDictionary state, string name, string label, string? hint = null, string? accept = null)
    {
        var (describedBy, invalid, messages) = Describe(state, name, hint);
        var id = Id(name);
        return new HtmlString($"<label for=\"{id}\">{E(label)}</label>"
            + $"<input id=\"{id}\" name=\"{E(name)}\" type=\"file\""
            + (accept is null ? "" : $" accept=\"{E(accept)}\"")
            + (describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : "")
            + (invalid ? " aria-invalid=\"true\"" : "") + ">" + messages);
    }

    /// <summary>Errors not tied to one field (key ""), shown at the top of the form.</summary>
    public static IHtmlContent Summary(ModelStateDictionary state)
    {
        if (state.IsValid) return HtmlString.Empty;
        var general = state.TryGetValue("", out var entry) ? entry.Errors.Select(e => e.ErrorMessage).ToList() : [];
        var text = general.Count > 0 ? string.Join(" ", general.Select(E)) : "Please correct the fields marked below.";
        return new HtmlString($"<div class=\"alert\" role=\"alert\" id=\"form-errors\">{text}</div>");
    }

    private static (string DescribedBy, bool Invalid, string Messages) Describe(ModelStateDictionary state, string name, string? hint)
    {
        var id = Id(name);
        var ids = new List<string>();
        var html = "";
        if (hint is not null)
        {
            ids.Add($"{id}-hint");
            html += $"<p class=\"hint\" id=\"{id}-hint\">{E(hint)}</p>";
        }
        var errors = state.TryGetValue(name, out var entry) ? entry.Errors.Select(e => e.ErrorMessage).Where(m => m.Length > 0).ToList() : [];
        if (errors.Count > 0)
        {
            ids.Add($"{id}-error");
            html += $"<p class=\"field-error\" id=\"{id}-error\">{E(string.Join(" ", errors))}</p>";
        }
        return (string.Join(' ', ids), errors.Count > 0, html);
    }

    private static string Id(string name) => "f-" + name.ToLowerInvariant();

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
