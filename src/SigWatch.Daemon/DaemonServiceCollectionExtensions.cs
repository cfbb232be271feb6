using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Assessment;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Grpc;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon;

/// <summary>The composition root: every daemon component, in one screen.</summary>
internal static class DaemonServiceCollectionExtensions
{
    public static IServiceCollection AddSigWatchDaemon(this IServiceCollection services, DaemonOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DaemonClock>();
        services.AddSingleton<EventHub>();
        services.AddSingleton(sp => new SigWatchStore(options.DatabasePath, sp.GetRequiredService<EventHub>(), sp.GetRequiredService<ILogger<SigWatchStore>>()));
        services.AddSingleton<ActivityTracker>();
        services.AddSingleton<AssessmentQueue>();

        // Hosted services start in this order and stop in reverse: the worker stops (finishing the
        // item in hand) before the watchers are torn down; the store is disposed after all of them.
        services.AddSingleton<AssessmentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AssessmentWorker>());
        services.AddSingleton<WatcherService>();
        services.AddHostedService(sp => sp.GetRequiredService<WatcherService>());
        services.AddSingleton<ReconcileService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconcileService>());

        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ErrorLoggingInterceptor>();
        });
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddGrpcReflection();
        return services;
    }
}
