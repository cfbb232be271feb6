namespace SigWatch.Daemon.Store;

/// <summary>
/// What <c>CheckHealth</c> answers, bounded against a flood of callers: <c>integrity_check</c> reads the whole database,
/// so it runs at most once per <see cref="IntegrityInterval"/> and one run is shared by every caller waiting for it; the
/// log-directory probe (create, write, remove one file) at most once per <see cref="LogProbeInterval"/>.
/// </summary>
internal sealed class HealthMonitor(SigWatchStore store, string logDir, TimeProvider time)
{
    public static readonly TimeSpan IntegrityInterval = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan IntegrityLimit = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan LogProbeInterval = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _integrityGate = new(1, 1);
    private readonly Lock _logGate = new();
    private StoreIntegrity? _integrity;
    private (DateTimeOffset At, string? Problem)? _log;

    public string LogDir => logDir;

    public async Task<StoreIntegrity> IntegrityAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_integrity) is { } cached)
        {
            return cached;
        }

        await _integrityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(_integrity) is { } justChecked)
            {
                return justChecked;
            }

            // Not cancelled with the caller: the result is shared with whoever asks next.
            var result = await Task.Run(() => store.CheckIntegrity(IntegrityLimit, time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
            _integrity = result;
            return result;
        }
        finally
        {
            _integrityGate.Release();
        }
    }

    /// <summary>Null when a file can be created, written and removed in the log directory now; else why not.</summary>
    public string? LogProblem()
    {
        lock (_logGate)
        {
            var now = time.GetUtcNow();
            if (_log is { } last && now - last.At < LogProbeInterval)
            {
                return last.Problem;
            }

            var problem = Probe(logDir);
            _log = (now, problem);
            return problem;
        }
    }

    private StoreIntegrity? Fresh(StoreIntegrity? integrity) =>
        integrity is not null && time.GetUtcNow() - integrity.CheckedAt < IntegrityInterval ? integrity : null;

    private static string? Probe(string directory)
    {
        var path = Path.Combine(directory, $".sigwatchd-probe-{Environment.ProcessId}");
        try
        {
            // CreateNew: never follows or reuses something another user placed there.
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough))
            {
                stream.WriteByte(0);
            }

            File.Delete(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
