using System.Globalization;

namespace SigWatch.Daemon.Configuration;

/// <summary>
/// sigwatchd's command line. Parsed by hand rather than by the configuration command-line provider
/// because <c>--root</c> repeats (the provider would keep only the last) and because unknown options
/// must be a usage error (exit 2), not silently ignored.
/// </summary>
internal sealed record DaemonCommandLine(IReadOnlyDictionary<string, string?> Settings, IReadOnlyList<string> Roots, string? ConfigFile, bool ShowHelp)
{
    /// <summary>--version: print the version and exit.</summary>
    public bool ShowVersion { get; init; }

    public const string Usage = """
        Usage: sigwatchd [options]

        Watches directories for app bundles, records their state in SQLite, and serves the
        sigwatch CLI over gRPC on a Unix-domain socket.

        Options:
          --root PATH               Directory to watch (repeatable). Default: /Applications and every
                                    user's ~/Downloads as root; ~/Downloads otherwise.
          --state-dir PATH          Directory of sigwatch.db.
          --socket PATH             Unix socket to listen on.
          --log-dir PATH            Directory for rolling JSON logs (default: <state-dir>/logs unprivileged).
          --quiet-window SECONDS    Assess a bundle only after this long without activity (default 2).
          --max-settle-minutes MIN  Assess a bundle that never settles after this long, marked unstable (default 10).
          --reconcile-minutes MIN   Full reconcile of the inventory with the disk (default 30).
          --full-verify-hours H     Re-hash every sealed file, ignoring the digest cache (default 24).
          --workers N               Bundles assessed at once (default 2): a large one never holds up the rest.
          --assessment-deadline S   An assessment may take this long, plus --deadline-per-gib per GiB of the
                                    bundle, before it is recorded incomplete and retried (default 120).
          --deadline-per-gib S      Seconds added to the deadline per GiB of the bundle (default 120).
          --kept-state-files N      Files whose state is kept between assessments, for incremental ones
                                    (about 390 bytes each; default 500000; 0 keeps none).
          --source-root PATH        Also watch PATH as a source of copies (repeatable): its bundles are
                                    inventoried for copy lineage, never alerted on (default on macOS: /Volumes).
          --allow-user UID          Also admit this user (repeatable); the daemon's user and root always may.
          --allow-group GID         Also admit members of this group, primary or supplementary (repeatable).
          --admin-group NAME|GID    Members are admins: they see every user's bundles and may rescan
                                    (repeatable; default admin on macOS, sudo and wheel on Linux).
          --max-connections N       Connections at once, all users (default 256); per user: --max-connections-per-user (32).
          --max-watchers N          Live event streams at once (default 64); per user: --max-watchers-per-user (8).
          --client-requirement EXPR Admit only clients whose code satisfies this requirement (macOS, audit token).
          --event-log PATH          Write every event as one ECS JSON line to PATH (default: <log-dir>/events.ndjson).
          --no-event-log            Do not write the event log.
          --otlp-endpoint URL       Export events and metrics to an OpenTelemetry Collector (default: off).
          --otlp-protocol P         grpc (default) or http/protobuf.
          --log-level LEVEL         Verbose, Debug, Information (default), Warning, Error.
          --config FILE             JSON configuration file (keys as in README, "Configuration").
          --version                 Print the version (and commit, runtime, platform) and exit.
          -h, --help                Show this help.

        Settings are layered: defaults < config file < SIGWATCH_* environment < command line.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="UsageException"/> on anything unknown or malformed.</summary>
    public static DaemonCommandLine Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var roots = new List<string>();
        var users = 0;
        var groups = 0;
        var admins = 0;
        var sources = 0;
        string? config = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option {arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    return new DaemonCommandLine(settings, roots, config, ShowHelp: true);
                case "--version":
                    return new DaemonCommandLine(settings, roots, config, ShowHelp: false) { ShowVersion = true };
                case "--root":
                    roots.Add(Value());
                    break;
                case "--state-dir":
                    settings[nameof(DaemonOptions.StateDir)] = Value();
                    break;
                case "--socket":
                    settings[nameof(DaemonOptions.Socket)] = Value();
                    break;
                case "--log-dir":
                    settings[nameof(DaemonOptions.LogDir)] = Value();
                    break;
                case "--quiet-window":
                    settings[nameof(DaemonOptions.QuietWindowSeconds)] = Number(arg, Value());
                    break;
                case "--max-settle-minutes":
                    settings[nameof(DaemonOptions.MaxSettleMinutes)] = Number(arg, Value());
                    break;
                case "--reconcile-minutes":
                    settings[nameof(DaemonOptions.ReconcileIntervalMinutes)] = Number(arg, Value());
                    break;
                case "--full-verify-hours":
                    settings[nameof(DaemonOptions.FullVerifyHours)] = Number(arg, Value());
                    break;
                case "--workers":
                    settings[nameof(DaemonOptions.Workers)] = Number(arg, Value());
                    break;
                case "--assessment-deadline":
                    settings[nameof(DaemonOptions.AssessmentDeadlineSeconds)] = Number(arg, Value());
                    break;
                case "--deadline-per-gib":
                    settings[nameof(DaemonOptions.AssessmentDeadlinePerGiBSeconds)] = Number(arg, Value());
                    break;
                case "--kept-state-files":
                    settings[nameof(DaemonOptions.KeptStateMaxFiles)] = Number(arg, Value());
                    break;
                case "--allow-user":
                    settings[$"{nameof(DaemonOptions.AllowedUsers)}:{users++}"] = Id(arg, Value());
                    break;
                case "--allow-group":
                    settings[$"{nameof(DaemonOptions.AllowedGroups)}:{groups++}"] = Id(arg, Value());
                    break;
                case "--source-root":
                    settings[$"{nameof(DaemonOptions.SourceRoots)}:{sources++}"] = Value();
                    break;
                case "--admin-group":
                    settings[$"{nameof(DaemonOptions.AdminGroups)}:{admins++}"] = Value();
                    break;
                case "--max-connections":
                    settings[nameof(DaemonOptions.MaxConnections)] = Number(arg, Value());
                    break;
                case "--max-connections-per-user":
                    settings[nameof(DaemonOptions.MaxConnectionsPerUser)] = Number(arg, Value());
                    break;
                case "--max-watchers":
                    settings[nameof(DaemonOptions.MaxWatchers)] = Number(arg, Value());
                    break;
                case "--max-watchers-per-user":
                    settings[nameof(DaemonOptions.MaxWatchersPerUser)] = Number(arg, Value());
                    break;
                case "--client-requirement":
                    settings[nameof(DaemonOptions.ClientRequirement)] = Value();
                    break;
                case "--event-log":
                    settings[$"{nameof(DaemonOptions.EventLog)}:{nameof(EventLogOptions.Path)}"] = Value();
                    break;
                case "--no-event-log":
                    settings[$"{nameof(DaemonOptions.EventLog)}:{nameof(EventLogOptions.Enabled)}"] = "false";
                    break;
                case "--otlp-endpoint":
                    settings[$"{nameof(DaemonOptions.Otlp)}:{nameof(OtlpOptions.Endpoint)}"] = Value();
                    break;
                case "--otlp-protocol":
                    settings[$"{nameof(DaemonOptions.Otlp)}:{nameof(OtlpOptions.Protocol)}"] = Value();
                    break;
                case "--log-level":
                    settings[nameof(DaemonOptions.LogLevel)] = Value();
                    break;
                case "--config":
                    config = Value();
                    break;
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }

        return new DaemonCommandLine(settings, roots, config, ShowHelp: false);
    }

    private static string Id(string option, string value) =>
        uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id.ToString(CultureInfo.InvariantCulture)
            : throw new UsageException($"option {option} needs a numeric id, got '{value}'");

    private static string Number(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number.ToString(CultureInfo.InvariantCulture)
            : throw new UsageException($"option {option} needs a number, got '{value}'");
}

internal sealed class UsageException(string message) : Exception(message);
