using FediLearn.Web.Pages.Workspace.Groups;

namespace FediLearn.Web.Tests;

/// <summary>
/// The compose and edit form reads its times in the form's zone. A time far outside the years items may use is an
/// error beside its field: converting 9999-12-31 23:00 in New York (past year 9999 in UTC) threw, and publishing or
/// previewing the form was a 500.
/// </summary>
public sealed class ItemFormTests
{
    [Theory]
    [InlineData("prompt", "closesAt", "9999-12-31T23:00", "America/New_York")]
    [InlineData("prompt", "publishAt", "9999-12-31T23:00", "America/New_York")]
    [InlineData("post", "publishAt", "0001-01-01T00:00", "Europe/Amsterdam")]
    [InlineData("session", "startsAt", "9999-12-31T20:00", "America/New_York")]
    [InlineData("session", "endsAt", "1899-12-31T22:00", "UTC")]
    public void A_time_outside_the_years_1900_to_2200_is_an_error_beside_its_field(string kind, string field, string value, string zone)
    {
        var form = new ComposeModel(null!, null!, null!, null!)
        {
            // The composer takes its kind from the address only, as routing leaves it.
            PageContext = new Microsoft.AspNetCore.Mvc.RazorPages.PageContext
            {
                RouteData = new Microsoft.AspNetCore.Routing.RouteData(new Microsoft.AspNetCore.Routing.RouteValueDictionary { ["kind"] = kind }),
            },
            Title = "Office hours", Text = "Pace?", Choices = kind == "prompt" ? "slow\nfast" : null, Timezone = zone,
            StartsAt = "2027-03-15T16:30", EndsAt = "2027-03-15T18:00",
        };
        typeof(ComposeModel).GetProperty(char.ToUpperInvariant(field[0]) + field[1..])!.SetValue(form, value);

        var input = form.ToInput();

        Assert.Equal(["Give a date in the years 1900 to 2200."], input.FormatErrors![field]);
    }
}
