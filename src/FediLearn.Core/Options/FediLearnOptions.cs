namespace FediLearn.Core.Options;

/// <summary>The "FediLearn" configuration section. Every setting is described in docs/configuration.md.</summary>
public sealed class FediLearnOptions
{
    public const string SectionName = "FediLearn";

    /// <summary>The node's public origin; every ActivityPub id is built from it.</summary>
    public string PublicUrl { get; set; } = "http://localhost:5080";

    /// <summary>Folder for the SQLite database, media and keys. Relative paths are relative to the working directory.</summary>
    public string DataPath { get; set; } = "./data";

    /// <summary>Display name of the node, shown on its pages and in NodeInfo.</summary>
    public string NodeName { get; set; } = "FediLearn";

    public FederationOptions Federation { get; set; } = new();

    public DeliveryOptions Delivery { get; set; } = new();

    public InboxOptions Inbox { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

    public DatabaseOptions Database { get; set; } = new();

    public MediaOptions Media { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    public ReverseProxyOptions ReverseProxy { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();

    public ReadCacheOptions ReadCache { get; set; } = new();

    /// <summary>Giving memory back when the node is idle (Services/IdleMemoryTrimmer.cs).</summary>
    public MemoryOptions Memory { get; set; } = new();

    /// <summary>
    /// Secure mode (Mastodon's AUTHORIZED_FETCH): ActivityPub GETs need a valid HTTP signature from a server that is not
    /// blocked, except the instance actor, discovery documents and a key-only view of each actor.
    /// </summary>
    public bool AuthorizedFetch { get; set; }

    /// <summary>The parsed PublicUrl without a trailing slash, e.g. "https://coop.example".</summary>
    public string BaseUrl => PublicUri.GetLeftPart(UriPartial.Authority);

    public Uri PublicUri => new(PublicUrl, UriKind.Absolute);

    /// <summary>host[:port] as used in acct: handles.</summary>
    public string Authority => PublicUri.IsDefaultPort ? PublicUri.Host : $"{PublicUri.Host}:{PublicUri.Port}";

    public string ResolveDataPath() => Path.GetFullPath(DataPath);
}

public sealed class FederationOptions
{
    /// <summary>Allow outbound requests to loopback addresses (127.0.0.0/8, ::1) as well as public ones; private and other
    /// special-use ranges stay refused. For local development and tests only.</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Largest accepted inbox body and fetched document, in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Time to open a connection to a remote server (key fetches, deliveries, WebFinger).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Time for one outbound request: up to the response headers for a delivery, the whole body for a fetch. A server
    /// that hangs or drips its answer holds a delivery slot or an inbox request no longer than this.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class DeliveryOptions
{
    /// <summary>First retry delay; each further attempt doubles it (with jitter), up to MaxRetryDelay.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Attempts before a delivery is given up.</summary>
    public int MaxAttempts { get; set; } = 16;

    /// <summary>A host failing continuously for this long is marked dead and skipped until heard from again.</summary>
    public TimeSpan DeadHostAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often workers look for due jobs when nothing woke them.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries sent at once by one process.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>
    /// Deliveries in flight to one host at once (0: no limit). A host that hangs or answers slowly then holds at most
    /// this many of the <see cref="Concurrency"/> slots; its other jobs wait a few seconds without using an attempt.
    /// </summary>
    public int PerHostConcurrency { get; set; } = 4;

    /// <summary>How long a claimed job stays claimed before another worker may take it (crash recovery).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each process looks for scheduled items whose time has come (one of them publishes each).</summary>
    public TimeSpan ScheduleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long after a vote in a check-in its new totals are sent (one Update{Question} to every follower), so that votes
    /// arriving meanwhile share it: without it a check-in with 300 votes and 1,000 followers meant 300,000 deliveries.
    /// Mastodon waits 3 minutes. Sent by the scheduler, so up to <see cref="ScheduleInterval"/> later.
    /// </summary>
    public TimeSpan VoteTotalsDelay { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// How fast the inbox worker applies received activities. The inbox answers 202 as soon as an activity is stored, so a
/// flood fills the durable queue and is worked off at this bounded pace instead of starving the rest of the node.
/// </summary>
public sealed class InboxOptions
{
    /// <summary>
    /// Activities claimed from the queue at once. A batch's replies are stored in one transaction with set-based
    /// statements, so a larger batch shares one claim, one set of look-ups and one commit among more activities
    /// (docs/performance.md, inbox: 128 against 32 ended the worker's backlog ~40 ms after a burst's last 202 instead
    /// of ~200 ms; the 202 p99 was the same in full runs and a few ms higher in quick ones).
    /// </summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>
    /// Activities applied at the same time. Activities from one server are always applied one after the other, in the
    /// order received (a Follow and its Undo may be in one batch); different servers' run side by side up to this
    /// number, so that a server whose activities make us wait on a slow fetch does not hold everyone else's.
    /// </summary>
    public int Concurrency { get; set; } = 4;
}

/// <summary>
/// How long finished queue rows are kept before the retention chore deletes them (issue 7, storage). Pending, running,
/// failed and abandoned rows are never deleted.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>Succeeded delivery jobs and finished fan-outs of public activities are deleted this long after they finished.</summary>
    public TimeSpan FinishedJobs { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Applied inbox items (their body is already dropped) are deleted this long after they arrived. While the row exists a
    /// second delivery of the same activity is recognised as a duplicate; senders retry for days (Mastodon about a week),
    /// so this must be longer than that.
    /// </summary>
    public TimeSpan ProcessedInbox { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How often each process runs a retention pass.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement: a large backlog is deleted in many short writes, not one long one.</summary>
    public int BatchSize { get; set; } = 1000;
}

/// <summary>SQLite (one process, the default) or PostgreSQL (several app nodes may share one database and its queues).</summary>
public enum DatabaseProvider { Sqlite, Postgres }

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// Optional for SQLite (default "Data Source={DataPath}/fedilearn.db"); required for PostgreSQL, an Npgsql connection
    /// string such as "Host=db;Username=fedilearn;Password=…;Database=fedilearn".
    /// </summary>
    public string? ConnectionString { get; set; }
}

public sealed class MediaOptions
{
    /// <summary>Largest uploaded file, in bytes.</summary>
    public long MaxBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>
    /// Folder for uploaded files; empty: {DataPath}/media. Several app nodes sharing one database point this at one
    /// shared folder (NFS and the like), so a file uploaded through one node is served by all.
    /// </summary>
    public string? Path { get; set; }

    public string ResolvePath(FediLearnOptions root) =>
        Path is { Length: > 0 } p ? System.IO.Path.GetFullPath(p) : System.IO.Path.Combine(root.ResolveDataPath(), "media");
}

/// <summary>
/// Requests per minute (a fixed window) before the node answers 429 with Retry-After. Remote servers are counted by the
/// host of the key that signed (or their address when unsigned), members by their API token, logins by address.
/// 0 turns a limit off.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Inbox POSTs per remote host (the signing key's) and client address: generous, a busy Mastodon instance
    /// delivers in bursts. Per address too, because the key is not verified yet when it is counted (Web/RateLimits.cs).</summary>
    public int InboxPerHostPerMinute { get; set; } = 3000;

    /// <summary>ActivityPub GETs (objects, collections, actors) per remote host and client address.</summary>
    public int FetchPerHostPerMinute { get; set; } = 3000;

    /// <summary>JSON API requests per access token.</summary>
    public int ApiPerTokenPerMinute { get; set; } = 300;

    /// <summary>Login attempts per client address (account lockout after 5 failures applies as well).</summary>
    public int LoginPerAddressPerMinute { get; set; } = 20;
}

/// <summary>
/// Which reverse proxies may tell us the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto). A proxy on
/// the same machine (loopback) is always trusted; a proxy on another machine must be listed, or its headers are ignored.
/// </summary>
public sealed class ReverseProxyOptions
{
    /// <summary>Addresses ("10.0.0.5") or networks ("10.0.0.0/24") of proxies on other machines.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>The Prometheus endpoint GET /metrics (queue depths, counts, process memory). Off unless a token is set.</summary>
public sealed class MetricsOptions
{
    /// <summary>Bearer token a scraper must send ("Authorization: Bearer …"); empty turns /metrics off.</summary>
    public string? Token { get; set; }
}

/// <summary>
/// The cache of rendered public documents (Federation/ReadCache.cs). Writes made by this process empty it at once;
/// writes by another process (the CLI, another app node) show after at most <see cref="Seconds"/>.
/// </summary>
public sealed class ReadCacheOptions
{
    /// <summary>How long a rendered document is served without asking the database again; 0 turns the cache off.</summary>
    public double Seconds { get; set; } = 2;

    /// <summary>Entries kept at most; past it the cache is emptied and refills.</summary>
    public int MaxEntries { get; set; } = 10_000;
}

/// <summary>The server's memory when it has nothing to do (Services/IdleMemoryTrimmer.cs).</summary>
public sealed class MemoryOptions
{
    /// <summary>
    /// After this long with (almost) no allocations, one aggressive garbage collection returns the GC's spare memory to
    /// the system; zero turns the idle trim (and the collection at start-up) off.
    /// </summary>
    public TimeSpan IdleTrimAfter { get; set; } = TimeSpan.FromSeconds(2);
}
