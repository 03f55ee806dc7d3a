using FediLearn.Core;
using FediLearn.Web;
using FediLearn.Web.Api;
using FediLearn.Web.Cli;
using FediLearn.Web.Endpoints;
using FediLearn.Web.Pages;

// One executable: with a verb (users, groups, followers…) it is the admin CLI; without, it is the server.
if (CliApp.IsCliInvocation(args))
    return await CliApp.RunAsync(args);

// The slim builder: configuration (appsettings, environment, arguments) and console logging as usual, without the IIS
// integration and HTTP/3 (QUIC) transport that CreateBuilder loads on every start; with the key ring loaded at first use
// (WebAppSetup), an idle node keeps ~6 MB less resident (docs/performance.md, "Memory"). Added back: HTTPS endpoints from
// configuration, the EventSource logger (dotnet-trace, dotnet-monitor). No regex route constraints: the slim builder
// leaves them out, and our routes use oneof (ExactValuesRouteConstraint) instead.
WebApplicationBuilder builder;
try
{
    builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
}
catch (Exception e) when (ConfigurationCheck.Unreadable(e) is { } why)
{
    Console.Error.WriteLine($"Configuration error: {why}");
    return 1;
}
builder.WebHost.UseKestrelHttpsConfiguration();
// {x:oneof(a|b)}: exact, case-sensitive segment values (ExactValuesRouteConstraint says why not regex).
builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<ExactValuesRouteConstraint>(ExactValuesRouteConstraint.Name));
builder.Logging.AddEventSourceLogger();
StartFailureLogging.Register(builder.Services); // the host's stack trace of a start failure Program.cs explains, at Debug
if (ConfigurationCheck.Problems(builder.Configuration) is { Count: > 0 } problems)
{
    foreach (var problem in problems) Console.Error.WriteLine($"Configuration error: {problem}");
    return 1;
}
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://localhost:5080");
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

builder.Services.AddFediLearnCore(builder.Configuration);
builder.Services.AddFediLearnWorkers();
builder.Services.AddProblemDetails();
// A JSON API body with a field the request does not have is refused, naming it (docs/api.md): a typo is never ignored.
// A NUL in any of its strings is refused too, naming the field (JsonBodyErrors.TextWithoutNul).
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
    json.SerializerOptions.Converters.Add(new JsonBodyErrors.TextWithoutNul());
});
// A body that cannot be bound is thrown to ErrorResponses, which says what is wrong, instead of an empty 400.
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
builder.Services.AddFediLearnForwardedHeaders(builder.Configuration); // client address and scheme from a trusted reverse proxy
builder.Services.AddFediLearnRateLimits(); // per-host, per-token, per-address budgets (RateLimits.cs)
builder.Services.AddFediLearnWebApp(); // Razor Pages UI, Identity cookies, admin policy (Pages/WebAppSetup.cs)

var app = builder.Build();
try
{
    await app.Services.PrepareDatabaseAsync();
}
catch (FediLearn.Core.Services.FediLearnException e)
{
    // The database is down or the data folder unwritable: one line and exit code 1 (systemd restarts the unit), no stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

app.UseForwardedHeaders();
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    ExceptionHandler = ErrorResponses.WriteUnhandledAsync,
    // A write that lost a race is a 409, logged by WriteUnhandledAsync as such, not as an error (DatabaseConflicts).
    // A database that is down for a moment is a 503 with one warning line (WriteUnhandledAsync), not a stack trace a request.
    // A request that cannot be read (a bad JSON body, too large) is the client's error, answered as such (4xx), not logged as ours.
    SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException
        || FediLearn.Core.Data.DatabaseConflicts.IsConflict(c.Exception) || FediLearn.Core.Data.DatabaseOutage.IsOutage(c.Exception),
});
app.UseStatusCodePages(ErrorResponses.WriteStatusCodeAsync);
// An encoded NUL in the query string is refused, as Kestrel refuses one in the path (docs/api.md): PostgreSQL takes no NUL
// in text, so a look-up by it (?actor= of an unban, ?object= of a thread, WebFinger's ?resource=) was a 500 there.
app.Use((context, next) => context.Request.QueryString.Value?.Contains("%00", StringComparison.Ordinal) == true
    ? throw new BadHttpRequestException("The query string may not contain an encoded NUL (%00).")
    : next(context));
app.UseRateLimiter();
app.UseAuthorizedFetch();
app.UseAuthentication();
app.UseAuthorization();
// HEAD wherever GET (HeadRequests): MapGet alone answered a HEAD of a live page, feed or file with 405.
var routes = app.MapGroup("").AnswerHeadLikeGet();
routes.MapDiscoveryEndpoints();
routes.MapActorEndpoints();
routes.MapInboxEndpoints();
routes.MapHomeEndpoints();
routes.MapOperationsEndpoints();
routes.MapObjectEndpoints();
routes.MapFeedEndpoints();
routes.MapItemApiEndpoints();
routes.MapMediaEndpoints();
routes.MapModerationApiEndpoints();
routes.MapRsvpApiEndpoints();
routes.MapNoteEndpoints();
routes.MapFollowEndpoints();
routes.MapNoteApiEndpoints();
routes.MapGroupApiEndpoints();
routes.MapTagEndpoints();
app.MapRazorPages();
await using (app)
{
    try
    {
        await app.StartAsync();
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        Console.Error.WriteLine($"error: the server did not start: {StartFailure.Describe(e)}");
        // The workers started before Kestrel failed. Stopped here, they end their first round before the container is
        // disposed; left running, a round could log an ObjectDisposedException with its stack trace after the line above.
        // Not app.StopAsync: it would log "Application is shutting down..." for an application that never ran.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var worker in app.Services.GetServices<IHostedService>().OfType<BackgroundService>())
            await worker.StopAsync(patience.Token);
        return 1;
    }
    await app.WaitForShutdownAsync();
}
return 0;

/// <summary>Exposed for WebApplicationFactory-based tests.</summary>
public partial class Program;
