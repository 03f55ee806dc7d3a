using FediLearn.Core.Services;
using FediLearn.Web.Html;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;

namespace FediLearn.Web.Pages;

/// <summary>The web app's services: Razor Pages, Identity's cookie sign-in and who may open which folder of pages.
/// API bearer tokens are separate (Api/ApiAuth) and ignore the cookie.</summary>
public static class WebAppSetup
{
    public const string AdminPolicy = "admin";

    public static IServiceCollection AddFediLearnWebApp(this IServiceCollection services)
    {
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/Account");
            pages.Conventions.AuthorizeFolder("/Workspace");
            pages.Conventions.AuthorizeFolder("/Admin", AdminPolicy);
            // A prompt's responses keep the address they always had; every published item's replies are at items/{id}/replies.
            pages.Conventions.AddPageRoute("/Workspace/Groups/Responses", "workspace/{group}/prompts/{id:long}");
        }).AddMvcOptions(mvc =>
        {
            mvc.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true; // pages validate by hand, with friendlier messages
            mvc.Filters.Add(new FormWithoutNul());
        });
        // The key ring that protects the sign-in and antiforgery cookies lives in the database, so every app node accepts
        // every other node's cookies (no sticky sessions) and a node moved to another machine signs nobody out.
        services.AddDataProtection().SetApplicationName("FediLearn");
        services.AddSingleton<DatabaseXmlRepository>();
        services.AddOptions<KeyManagementOptions>().Configure<DatabaseXmlRepository>((keys, repository) => keys.XmlRepository = repository);
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "fedilearn_session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = "/login";
            cookie.LogoutPath = "/logout";
            cookie.AccessDeniedPath = "/login";
            cookie.ExpireTimeSpan = TimeSpan.FromDays(14);
            cookie.SlidingExpiration = true;
            // A signed-in user without the right role gets a 403 page, not a redirect loop back to /login.
            cookie.Events.OnRedirectToAccessDenied = context => HtmlLayout.WriteAsync(context.HttpContext, 403, "Not allowed",
                "<h1>Not allowed</h1><p>Your account may not open this page or do this action. Ask an admin of this node if you think it should.</p>"
                + "<p><a href=\"/workspace\">Back to your workspace</a></p>");
        });
        services.AddAuthorization(auth => auth.AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(UserService.AdminRole)));
        services.AddAntiforgery(anti => anti.Cookie.Name = "fedilearn_csrf");
        // ASP.NET Core loads the key ring at start (a hosted service, added again by each of the calls above) so that the
        // first sign-in is not slower. It is the only thing that loads the XML stack at start: without it a node that has
        // served federation and the API but no page yet keeps ~3 MB less resident (docs/performance.md, "Memory"). The
        // ring is loaded at the first page or sign-in that needs it.
        foreach (var eager in services.Where(IsKeyRingWarmUp).ToList()) services.Remove(eager);
        return services;
    }

    internal static bool IsKeyRingWarmUp(ServiceDescriptor service) =>
        service.ServiceType == typeof(IHostedService) && service.ImplementationType?.Name == "DataProtectionHostedService";
}
