namespace SigWatch.Daemon.Configuration;

/// <summary>
/// The daemon's settings. Layering, lowest first: built-in defaults (per ARCHITECTURE.md "Paths",
/// system paths as root, user paths otherwise) &lt; config file &lt; environment (SIGWATCH_*) &lt; command line.
/// Configuration keys are the property names (e.g. <c>QuietWindowSeconds</c>; <c>Roots:0</c> for lists).
/// </summary>
internal sealed class DaemonOptions
{
    /// <summary>Directories watched for app bundles.</summary>
    public List<string> Roots { get; set; } = [];

    /// <summary>
    /// Source roots: watched and inventoried like roots, so that a bundle copied out of one is known before it lands, but
    /// never the subject of an event (copy lineage). Default on macOS as root: <c>/Volumes</c> (disk images and disks
    /// as they are mounted); on Linux none (<c>--source-root PATH</c>).
    /// </summary>
    public List<string> SourceRoots { get; set; } = [];

    /// <summary>Every directory watched: the roots, then the source roots.</summary>
    public IEnumerable<string> WatchedRoots => Roots.Concat(SourceRoots);

    /// <summary>Whether <paramref name="root"/> is one of <see cref="SourceRoots"/>.</summary>
    public bool IsSourceRoot(string root) => SourceRoots.Contains(root, StringComparer.Ordinal);

    /// <summary>Directory of the SQLite database.</summary>
    public string StateDir { get; set; } = string.Empty;

    /// <summary>Path of the Unix-domain socket the gRPC server listens on.</summary>
    public string Socket { get; set; } = string.Empty;

    /// <summary>Directory for the rolling compact-JSON log files.</summary>
    public string LogDir { get; set; } = string.Empty;

    /// <summary>A bundle is assessed only after this long without activity inside it.</summary>
    public double QuietWindowSeconds { get; set; } = 2.0;

    /// <summary>
    /// A bundle still busy after this long is assessed anyway and marked unstable (a copy that never
    /// settles must not stay invisible).
    /// </summary>
    public double MaxSettleMinutes { get; set; } = 10;

    /// <summary>How often the whole inventory is reconciled with the disk, besides file events.</summary>
    public double ReconcileIntervalMinutes { get; set; } = 30;

    /// <summary>
    /// How often every bundle's seal is re-verified without the per-file digest cache, for changes
    /// the cache's (device, inode, size, mtime, ctime) key cannot see.
    /// </summary>
    public double FullVerifyHours { get; set; } = 24;

    /// <summary>Bundles assessed at once; a large bundle being hashed occupies one worker, not the daemon.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>The floor of an assessment's deadline, in seconds.</summary>
    public double AssessmentDeadlineSeconds { get; set; } = 120;

    /// <summary>Seconds added to an assessment's deadline per GiB of the bundle's files.</summary>
    public double AssessmentDeadlinePerGiBSeconds { get; set; } = 120;

    /// <summary>
    /// Files whose state (the parsed seal, the rule memo, the per-directory records: about 390 bytes a file) is kept
    /// between a bundle's assessments, so that a reported change is assessed by looking at the changed paths alone.
    /// The least recently assessed bundles are forgotten first; a forgotten one is walked whole (with the digest
    /// cache) at its next assessment. 0 keeps nothing: the least memory, every assessment a full walk.
    /// </summary>
    public long KeptStateMaxFiles { get; set; } = 500_000;

    /// <summary>
    /// How long an assessment of a bundle of <paramref name="bytes"/> may take: the floor plus a share per GiB, so a
    /// bundle that is merely large finishes (hashing runs at hundreds of MB/s) while one that can never finish does not
    /// hold a worker for good.
    /// </summary>
    public TimeSpan AssessmentDeadline(long bytes) =>
        TimeSpan.FromSeconds(AssessmentDeadlineSeconds + (AssessmentDeadlinePerGiBSeconds * bytes / (1024.0 * 1024 * 1024)));

    /// <summary>Users (uids) besides the daemon's own user and root who may query the daemon.</summary>
    public List<uint> AllowedUsers { get; set; } = [];

    /// <summary>Groups (gids, primary or supplementary) whose members may query the daemon (e.g. 80, "admin" on macOS).</summary>
    public List<uint> AllowedGroups { get; set; } = [];

    /// <summary>
    /// A code requirement every client must satisfy, checked against the peer's audit token (macOS);
    /// where it cannot be checked, clients are refused.
    /// </summary>
    public string? ClientRequirement { get; set; }

    /// <summary>With <see cref="ClientRequirement"/>: also require the client's hardened runtime.</summary>
    public bool RequireClientHardenedRuntime { get; set; }

    /// <summary>
    /// Groups (names or gids) whose members are admins: they see every user's bundles and events and may Rescan.
    /// Root and the daemon's own user always are. Default: <c>admin</c> on macOS, <c>sudo</c> and <c>wheel</c> on Linux.
    /// </summary>
    public List<string> AdminGroups { get; set; } = [];

    /// <summary>Connections open at once, all peers together (admitted ones; refused ones are closed at once).</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>Connections open at once from one uid; more are refused.</summary>
    public int MaxConnectionsPerUser { get; set; } = 32;

    /// <summary>HTTP/2 streams (calls) at once on one connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 16;

    /// <summary>Live WatchEvents streams at once, in total and per uid.</summary>
    public int MaxWatchers { get; set; } = 64;

    public int MaxWatchersPerUser { get; set; } = 8;

    /// <summary>A unary call that has not answered after this long is ended with DEADLINE_EXCEEDED.</summary>
    public double CallTimeoutSeconds { get; set; } = 30;

    /// <summary>The NDJSON event log for log shippers (section <c>EventLog</c>).</summary>
    public EventLogOptions EventLog { get; set; } = new();

    /// <summary>The OTLP export to an OpenTelemetry Collector (section <c>Otlp</c>); off unless an endpoint is set.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Minimum log level (Verbose, Debug, Information, Warning, Error, Fatal).</summary>
    public string LogLevel { get; set; } = "Information";

    public TimeSpan QuietWindow => TimeSpan.FromSeconds(QuietWindowSeconds);

    public string DatabasePath => Path.Combine(StateDir, Platform.SigWatchPaths.DatabaseFileName);

    /// <summary>Checks ranges (after <see cref="Normalize"/>); returns the problems (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Roots.Count == 0)
        {
            problems.Add("no roots to watch: give at least one --root PATH");
        }

        if (string.IsNullOrWhiteSpace(StateDir))
        {
            problems.Add("state directory is empty");
        }

        if (string.IsNullOrWhiteSpace(Socket))
        {
            problems.Add("socket path is empty");
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(Socket) >= 104)
        {
            // sockaddr_un.sun_path is 104 bytes on macOS (108 on Linux), including the NUL.
            problems.Add($"socket path '{Socket}' is too long for a Unix socket (must be under 104 bytes)");
        }

        if (double.IsNaN(QuietWindowSeconds) || QuietWindowSeconds < 0 || QuietWindowSeconds > 3600)
        {
            problems.Add($"quiet window {QuietWindowSeconds} s is out of range (0 to 3600)");
        }

        if (double.IsNaN(MaxSettleMinutes) || MaxSettleMinutes < 0.01 || MaxSettleMinutes > 24 * 60)
        {
            problems.Add($"maximum settle time {MaxSettleMinutes} min is out of range (0.01 to 1440)");
        }

        if (double.IsNaN(ReconcileIntervalMinutes) || ReconcileIntervalMinutes < 0.05 || ReconcileIntervalMinutes > 7 * 24 * 60)
        {
            problems.Add($"reconcile interval {ReconcileIntervalMinutes} min is out of range (0.05 to 10080)");
        }

        if (ClientRequirement is { Length: > 0 } requirement)
        {
            try
            {
                Core.CodeSigning.Requirements.RequirementParser.ParseExpression(requirement);
            }
            catch (Core.CodeSigning.Requirements.RequirementSyntaxException e)
            {
                problems.Add($"client requirement: {e.Message}");
            }
        }

        foreach (var (name, value, min, max) in new (string, int, int, int)[]
        {
            ("max connections", MaxConnections, 1, 65_536),
            ("max connections per user", MaxConnectionsPerUser, 1, 65_536),
            ("max streams per connection", MaxStreamsPerConnection, 1, 1000),
            ("max watchers", MaxWatchers, 0, 10_000),
            ("max watchers per user", MaxWatchersPerUser, 0, 10_000),
        })
        {
            if (value < min || value > max)
            {
                problems.Add($"{name} {value} is out of range ({min} to {max})");
            }
        }

        if (double.IsNaN(CallTimeoutSeconds) || CallTimeoutSeconds < 0.1 || CallTimeoutSeconds > 3600)
        {
            problems.Add($"call timeout {CallTimeoutSeconds} s is out of range (0.1 to 3600)");
        }

        if (Workers is < 1 or > 64)
        {
            problems.Add($"workers {Workers} is out of range (1 to 64)");
        }

        if (double.IsNaN(AssessmentDeadlineSeconds) || AssessmentDeadlineSeconds < 0.1 || AssessmentDeadlineSeconds > 7 * 24 * 3600)
        {
            problems.Add($"assessment deadline {AssessmentDeadlineSeconds} s is out of range (0.1 to 604800)");
        }

        if (double.IsNaN(AssessmentDeadlinePerGiBSeconds) || AssessmentDeadlinePerGiBSeconds < 0 || AssessmentDeadlinePerGiBSeconds > 24 * 3600)
        {
            problems.Add($"assessment deadline per GiB {AssessmentDeadlinePerGiBSeconds} s is out of range (0 to 86400)");
        }

        if (KeptStateMaxFiles is < 0 or > 100_000_000)
        {
            problems.Add($"kept state for {KeptStateMaxFiles} files is out of range (0 to 100000000)");
        }

        if (double.IsNaN(FullVerifyHours) || FullVerifyHours < 0.01 || FullVerifyHours > 24 * 365)
        {
            problems.Add($"full verification interval {FullVerifyHours} h is out of range (0.01 to 8760)");
        }

        EventLog.Validate(problems);
        Otlp.Validate(problems);
        return problems;
    }

    /// <summary>Makes every path absolute (relative ones resolve against the working directory; ~ is the home).</summary>
    public void Normalize()
    {
        Roots = [.. Roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(FullPath).Distinct(StringComparer.Ordinal)];
        // A directory that is a root is alerted on: it is not also a source root.
        SourceRoots = [.. SourceRoots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(FullPath).Distinct(StringComparer.Ordinal).Except(Roots, StringComparer.Ordinal)];
        StateDir = FullPath(StateDir);
        Socket = FullPath(Socket);
        LogDir = string.IsNullOrWhiteSpace(LogDir) ? Path.Combine(StateDir, "logs") : FullPath(LogDir);
        EventLog.Path = string.IsNullOrWhiteSpace(EventLog.Path) ? Path.Combine(LogDir, EventLogOptions.DefaultFileName) : FullPath(EventLog.Path);
        Otlp.CaCertificate = string.IsNullOrWhiteSpace(Otlp.CaCertificate) ? null : FullPath(Otlp.CaCertificate);
        Otlp.ClientCertificate = string.IsNullOrWhiteSpace(Otlp.ClientCertificate) ? null : FullPath(Otlp.ClientCertificate);
        Otlp.ClientKey = string.IsNullOrWhiteSpace(Otlp.ClientKey) ? null : FullPath(Otlp.ClientKey);
    }

    private static string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return path;
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..];
        }

        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
    }
}
