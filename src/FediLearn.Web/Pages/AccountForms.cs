using FediLearn.Core.Services;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace FediLearn.Web.Pages;

/// <summary>Checks shared by the pages that create an account (setup, join): messages name the field they belong to.</summary>
public static class AccountForms
{
    public const int MinPasswordLength = 10;

    public static void ValidateNew(ModelStateDictionary state, string name, string email, string password, string confirm)
    {
        if (string.IsNullOrWhiteSpace(name)) state.AddModelError("Name", "Choose a name.");
        else if (NameRules.Validate(name.Trim()) is { } problem) state.AddModelError("Name", Sentence(problem));
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@') || email.Length > 254)
            state.AddModelError("Email", "Enter an e-mail address, like ana@example.org.");
        ValidatePassword(state, "Password", "ConfirmPassword", password, confirm);
    }

    public static void ValidatePassword(ModelStateDictionary state, string field, string confirmField, string password, string confirm)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
            state.AddModelError(field, $"Use at least {MinPasswordLength} characters.");
        else if (password != confirm)
            state.AddModelError(confirmField, "The two passwords differ.");
    }

    /// <summary>A date field (yyyy-MM-dd) as 00:00 UTC of that day; null when empty; an error beside the field when unreadable.</summary>
    public static DateTime? UtcDay(ModelStateDictionary state, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTime.TryParseExact(text.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
            return DateTime.SpecifyKind(day, DateTimeKind.Utc);
        state.AddModelError(field, "Use a date such as 2027-03-15.");
        return null;
    }

    /// <summary>
    /// Core messages are lower-case CLI fragments ("the name … is taken"); on a page they read as sentences. One that
    /// starts with an actor id keeps it as it is written ("https://…", not "Https://…").
    /// </summary>
    public static string Sentence(string message) =>
        message.Length == 0 ? message
        : (IsUrl(message) ? message : char.ToUpperInvariant(message[0]) + message[1..]) + (message.EndsWith('.') ? "" : ".");

    private static bool IsUrl(string message) =>
        message.StartsWith("https://", StringComparison.Ordinal) || message.StartsWith("http://", StringComparison.Ordinal);

    /// <summary>Puts a service's refusal beside the field it is about, when the message says which.</summary>
    public static void AddServiceError(ModelStateDictionary state, FediLearnException e)
    {
        var m = e.Message;
        var field = m.Contains("e-mail", StringComparison.OrdinalIgnoreCase) ? "Email"
            : m.Contains("name", StringComparison.OrdinalIgnoreCase) ? "Name"
            : m.Contains("password", StringComparison.OrdinalIgnoreCase) || m.StartsWith("Passwords", StringComparison.Ordinal) ? "Password"
            : "";
        state.AddModelError(field, Sentence(m));
        if (field.Length > 0) state.AddModelError("", "Please correct the fields marked below.");
    }
}
