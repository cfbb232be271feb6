using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SigWatch.Core.Assessment;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Daemon.Assessment;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Fleet;
using SigWatch.Daemon.Grpc;
using SigWatch.Daemon.Security;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;
using SigWatch.Platform;
using SigWatch.Platform.Peers;
using SigWatch.Platform.Quarantine;

namespace SigWatch.Daemon;

/// <summary>The composition root: every daemon component, in one screen.</summary>
internal static class DaemonServiceCollectionExtensions
{
    /// <summary>The largest request message the daemon reads (gRPC MaxReceiveMessageSize).</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public static IServiceCollection AddSigWatchDaemon(this IServiceCollection services, DaemonOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DaemonClock>();
        var metrics = new DaemonMetrics();
        services.AddSingleton(metrics);
        services.AddSingleton(new EventHub(options.MaxWatchers, options.MaxWatchersPerUser, metrics));
        services.AddSingleton(sp => new SigWatchStore(options.DatabasePath, sp.GetRequiredService<EventHub>(), sp.GetRequiredService<ILogger<SigWatchStore>>()));
        services.AddSingleton(sp => new HealthMonitor(sp.GetRequiredService<SigWatchStore>(), options.LogDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IExtendedAttributeReader>(ExtendedAttributes.Instance);
        // Private copies of users' QuarantineEventsV2 databases go under our own state directory.
        services.AddSingleton<IQuarantineEventLookup>(new QuarantineEventsDatabase(scratchDirectory: Path.Combine(options.StateDir, "scratch")));
        // The digest cache lives in the store's database; resolving the store first runs its migrations.
        services.AddSingleton(sp => new SqliteFileHashCache(sp.GetRequiredService<SigWatchStore>().DatabasePath));
        services.AddSingleton<IFileTree>(LstatFileTree.Instance);
        services.AddSingleton(sp =>
        {
            // Two long-lived verifiers (the CMS and chain results they cache are what keeps verification near the cost
            // of hashing): one trusting the digest cache, one for the periodic full re-hash. Hashing uses half the cores
            // per worker: the daemon is a background citizen.
            var cache = sp.GetRequiredService<SqliteFileHashCache>();
            var tree = sp.GetRequiredService<IFileTree>();
            var parallelism = Math.Max(1, Environment.ProcessorCount / 2);
            // With attribute access the verdict is the same as `sigwatch check`'s (resource forks, Finder info) and the
            // quarantine-inside-bundle diagnosis is made.
            var xattrs = sp.GetRequiredService<IExtendedAttributeReader>();
            return new BundleAssessor(new BundleAssessorOptions
            {
                Tree = tree,
                Verifier = new BundleVerifier(tree, new BundleVerifierOptions { Cache = cache, MaxDegreeOfParallelism = parallelism, ExtendedAttributes = xattrs }),
                FullRehashVerifier = new BundleVerifier(tree,
                    new BundleVerifierOptions { Cache = cache, IgnoreCache = true, MaxDegreeOfParallelism = parallelism, ExtendedAttributes = xattrs }),
                ExtendedAttributes = xattrs,
                QuarantineEvents = sp.GetRequiredService<IQuarantineEventLookup>(),
                // On macOS the Security framework verifies every bundle too; disagreements become events.
                NativeValidate = OperatingSystem.IsMacOS() ? NativeValidator() : null,
                // The event log's file.hash.sha256; the store's digest cache keeps it to one read per change.
                HashMainExecutable = true,
                DigestCache = cache,
            });
        });
        services.AddSingleton<BundleExpansion>();
        services.AddSingleton<ActivityTracker>();
        services.AddSingleton(sp => new AssessmentQueue(sp.GetRequiredService<ILogger<AssessmentQueue>>()));

        // The fleet outputs read committed events from the store by cursor (docs/event-log.md).
        services.AddSingleton(_ => FleetIdentity.Read());
        services.AddSingleton<RootOwners>();
        services.AddSingleton<FleetRecords>();

        // Hosted services start in this order and stop in reverse: the workers stop (finishing the
        // items in hand, within a grace period) before the watchers are torn down; the store is disposed
        // after all of them. The event log stops last, after writing what the workers committed last.
        services.AddSingleton<EventLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<EventLogWriter>());
        services.AddSingleton<OtlpExportService>();
        services.AddHostedService(sp => sp.GetRequiredService<OtlpExportService>());
        services.AddSingleton<AssessmentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AssessmentWorker>());
        services.AddHostedService<Hosting.IdleMemoryTrim>();
        services.AddSingleton<WatcherService>();
        services.AddHostedService(sp => sp.GetRequiredService<WatcherService>());
        services.AddSingleton<ReconcileService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconcileService>());

        services.AddSingleton(PeerCredentials.ForCurrentPlatform());
        services.AddSingleton(_ => new PeerPolicy(
            ProcessIdentity.EffectiveUserId,
            options.AllowedUsers,
            options.AllowedGroups,
            string.IsNullOrWhiteSpace(options.ClientRequirement) ? null : options.ClientRequirement,
            // The audit-token check exists only on macOS; elsewhere a configured requirement refuses every client.
            OperatingSystem.IsMacOS() && !string.IsNullOrWhiteSpace(options.ClientRequirement)
                ? new Platform.Darwin.DynamicCodeValidator(options.ClientRequirement)
                : null,
            options.RequireClientHardenedRuntime));

        var (adminGroups, _) = AdminPolicy.Resolve(options.AdminGroups);
        services.AddSingleton(new AdminPolicy(ProcessIdentity.EffectiveUserId, adminGroups));
        services.AddSingleton<RootVisibility>();
        services.AddSingleton(sp => new RefusalLog(
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("SigWatch.Daemon.PeerPolicy"), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ConnectionGate(
            sp.GetRequiredService<PeerPolicy>(), sp.GetRequiredService<IPeerCredentials>(), sp.GetRequiredService<RefusalLog>(), options.MaxConnectionsPerUser));

        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            // A request is a few paths at most (ControlService.MaxPathBytes each); anything bigger is refused by its
            // length prefix, before it is buffered.
            o.MaxReceiveMessageSize = MaxRequestBytes;
            // Who the caller is and what it may call is decided first: nothing else runs for a call it may not make.
            o.Interceptors.Add<CallAuthorizationInterceptor>();
            o.Interceptors.Add<ErrorLoggingInterceptor>();
        });
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddGrpcReflection();
        return services;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    private static Func<string, CodeSignatureAssessment> NativeValidator()
    {
        var framework = new Platform.Darwin.SecStaticCodeValidator();
        return path => framework.Validate(path);
    }
}
