using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SigWatch.Daemon.Store;

/// <summary>grpc.health.v1 reports SERVING only while the database answers a query.</summary>
internal sealed class StoreHealthCheck(SigWatchStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var last = store.LastEventId();
            return Task.FromResult(HealthCheckResult.Healthy($"database answers; last event {last}"));
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("database does not answer", e));
        }
    }
}
