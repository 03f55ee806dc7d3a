using System.Runtime.CompilerServices;
using FediLearn.ActivityPub.Signatures;
using FediLearn.Core.Data;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using FediLearn.Core.Federation.Objects;
using FediLearn.Core.Inbox;
using FediLearn.Core.Options;
using FediLearn.Core.Queues;
using FediLearn.Core.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FediLearn.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Everything both the web host and the CLI need: options, database, services, federation client.</summary>
    public static IServiceCollection AddFediLearnCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FediLearnOptions>().Bind(configuration.GetSection(FediLearnOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FediLearnOptions>, FediLearnOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        // Pooled: a context is reset and reused rather than built for every request and queue item (its construction
        // and internal service look-ups showed in the inbox profile, docs/performance.md). It keeps no state of its own.
        services.AddDbContextPool<FediLearnDbContext>((sp, db) =>
        {
            var o = sp.GetRequiredService<IOptions<FediLearnOptions>>().Value;
            // Compiled models (scripts/compiled-models.sh): building the model from its configuration cost every start and
            // CLI command ~0.4-0.6 s (`groups list` 1.35 → 0.99 s) and an idle node 4-8 MB (docs/performance.md, "Memory").
            // CompiledModelTests keeps them equal to the configuration.
            if (o.Database.Provider == DatabaseProvider.Postgres) UsePostgres(db, o);
            else UseSqlite(db, o);
            db.AddInterceptors(sp.GetRequiredService<ReadCacheInvalidation>());
            // A failed command or save throws, and whoever handles it decides how loud it is: a duplicate that a unique
            // index turned away (a replayed activity, two first deliveries from one new actor) is an expected answer,
            // an unexpected one is logged with its stack by the inbox worker or the error handler. EF's own error lines
            // would log the expected ones as failures too.
            db.ConfigureWarnings(w => w.Log((CoreEventId.SaveChangesFailed, LogLevel.Debug), (RelationalEventId.CommandError, LogLevel.Debug)));
        }); // a pool builds its options once: building them for every context cost ~10 % of a cached read (profile, docs/performance.md)
        services.AddIdentityCore<AppUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Password.RequiredLength = 10;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireDigit = false;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>() // the node admin is the Identity role "admin" (UserService.AdminRole)
            .AddEntityFrameworkStores<FediLearnDbContext>()
            .AddSignInManager(); // the web app signs in with cookies (Program.cs); API tokens stay in ApiAuth
        services.AddScoped<InvitationService>();

        services.AddScoped<SchemaMigrator>();
        services.AddSingleton<ReadCache>();
        services.AddSingleton<ThreadPageCache>();
        services.AddSingleton<ReadCacheInvalidation>();
        services.AddSingleton<ActorUrls>();
        services.AddSingleton<ActorRenderer>();
        services.AddSingleton<ISignatureSchemeStore, InMemorySignatureSchemeStore>();
        services.AddSingleton<FederationHttp>();
        services.AddSingleton<LocalKeyStore>();
        services.AddSingleton<ParsedKeyCache>();
        services.AddSingleton<VerifiedKeyCache>();
        services.AddSingleton<KeyFetches>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<InboxSignal>();
        services.AddSingleton<FanoutSignal>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<OutboundDocuments>();
        services.AddScoped<RemoteActorResolver>();
        services.AddScoped<SignatureAuthenticator>();
        services.AddScoped<InboxReceiver>();
        services.AddSingleton<InboxIntake>();
        services.AddSingleton<ParsedActivityHandoff>();
        services.AddActivityHandler<FollowHandler>();
        services.AddActivityHandler<UndoHandler>();
        services.AddActivityHandler<AcceptHandler>();
        services.AddActivityHandler<RejectHandler>();
        services.AddScoped<GroupService>();
        services.AddScoped<UserService>();
        services.AddScoped<FollowerService>();
        services.AddScoped<FollowingService>();
        services.AddScoped<DeliveryAdminService>();
        services.AddScoped<DomainBlockService>();
        services.AddScoped<InstanceActorService>();
        services.AddSingleton<GroupObjectRenderer>();
        services.AddScoped<PublishingService>();
        services.AddScoped<TokenService>();
        services.AddScoped<MediaService>();
        services.AddActivityHandler<ObjectActivityHandler.Create>();
        services.AddActivityHandler<ObjectActivityHandler.Update>();
        services.AddActivityHandler<ObjectActivityHandler.Delete>();
        services.AddScoped<ActorDeletion>();
        services.AddActivityHandler<LikeHandler>();
        services.AddActivityHandler<AnnounceHandler>();
        services.AddScoped<ThreadService>();
        services.AddScoped<NoteService>();
        services.AddScoped<ThreadReader>();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<NotificationService>();
        services.AddScoped<ModerationService>();
        services.AddScoped<RsvpService>();
        services.AddActivityHandler<JoinHandler>();
        services.AddActivityHandler<LeaveHandler>();
        services.AddActivityHandler<TentativeAcceptHandler>();
        services.AddActivityHandler<FlagHandler>();
        return services;
    }

    /// <summary>The background workers: only the server runs them, not the CLI.</summary>
    public static IServiceCollection AddFediLearnWorkers(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        services.AddSingleton<InboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxWorker>());
        services.AddHostedService<FanoutWorker>();
        services.AddHostedService<PublishScheduler>();
        services.AddSingleton<RetentionChore>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionChore>());
        // Last, so that its start-up collection runs after the other services have started, just before the server listens.
        services.AddSingleton<IdleMemoryTrimmer>();
        services.AddHostedService(sp => sp.GetRequiredService<IdleMemoryTrimmer>());
        return services;
    }

    // Each provider in a method of its own: the JIT loads the assembly of every method a method calls when it compiles
    // it, so one method naming both UseNpgsql and UseSqlite loaded Npgsql's EF provider on every SQLite node.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UsePostgres(DbContextOptionsBuilder db, FediLearnOptions o) =>
        db.UseNpgsql(o.Database.ConnectionString).UseModel(Data.CompiledModels.Postgres.FediLearnDbContextModel.Instance);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseSqlite(DbContextOptionsBuilder db, FediLearnOptions o) =>
        db.UseSqlite(SqliteConnectionString(o)).UseModel(Data.CompiledModels.Sqlite.FediLearnDbContextModel.Instance).AddInterceptors(SqlitePragmas.Instance);

    public static string SqliteConnectionString(FediLearnOptions o) =>
        o.Database.ConnectionString is { Length: > 0 } cs ? cs : $"Data Source={Path.Combine(o.ResolveDataPath(), "fedilearn.db")};Default Timeout=30";

    /// <summary>Creates the data folder (media and keys live there with either provider), applies pending migrations and makes sure the instance actor exists.</summary>
    /// <exception cref="FediLearnException">The data folder cannot be created or the database cannot be reached or opened:
    /// one line naming it and why, for the server and the CLI to print instead of a stack trace.</exception>
    public static async Task PrepareDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<FediLearnOptions>>().Value;
        try
        {
            Directory.CreateDirectory(options.ResolveDataPath());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FediLearnException($"cannot create the data folder {options.ResolveDataPath()} (FediLearn:DataPath): {e.Message}");
        }
        try
        {
            using var scope = services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
            var instanceActor = scope.ServiceProvider.GetRequiredService<InstanceActorService>();
            if (!await instanceActor.ExistsAsync(ct)) await instanceActor.EnsureAsync(options.NodeName, ct);
        }
        catch (Exception e) when (DatabaseFailure(e) is { } cause)
        {
            var where = options.Database.Provider == DatabaseProvider.Postgres
                ? "PostgreSQL, " + PostgresConnectionStrings.Describe(options.Database.ConnectionString!)
                : "SQLite, " + SqliteDataSource(options);
            throw new FediLearnException($"cannot open the database ({where}): {cause.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>
    /// The database's own error behind <paramref name="e"/> (a refused connection, a timeout, a file that is not a
    /// database…), looking through the wrappers of EF's retrying strategy; null for anything else, which stays a crash
    /// with its stack trace (a bug, not a setting).
    /// </summary>
    private static Exception? DatabaseFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException) return inner;
        return null;
    }

    /// <summary>The SQLite file a node on SQLite uses, for messages.</summary>
    public static string SqliteDataSource(FediLearnOptions o)
    {
        try { return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(SqliteConnectionString(o)).DataSource; }
        catch (ArgumentException) { return "the SQLite database"; }
    }

    /// <summary>
    /// A handler is registered as itself and as <see cref="IActivityHandler"/>, so that the inbox worker can build only the
    /// one an activity needs (<see cref="InboxWorker"/>) rather than all of them with their dependencies.
    /// </summary>
    private static void AddActivityHandler<T>(this IServiceCollection services) where T : class, IActivityHandler
    {
        services.AddScoped<T>();
        services.AddScoped<IActivityHandler>(sp => sp.GetRequiredService<T>());
    }
}
