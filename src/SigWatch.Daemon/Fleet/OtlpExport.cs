using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Fleet;

/// <summary>What <c>sigwatch status</c> shows of the OTLP export.</summary>
internal sealed record ExporterState(bool Enabled, string Endpoint, string Protocol, string State, DateTimeOffset? LastSuccessAt, string? LastError,
    DateTimeOffset? LastErrorAt, long ExportedEvents, long Backlog, long DroppedEvents, long LastEventId, long MetricExports, long MetricExportFailures);

/// <summary>
/// Exports events as OpenTelemetry log records and the daemon's metrics to an OpenTelemetry Collector, through the
/// OpenTelemetry .NET SDK (its OTLP exporter does the protocol: gRPC or HTTP/protobuf, retries of transient failures).
/// Why the SDK's ILogger bridge and not Serilog.Sinks.OpenTelemetry: delivery must be known per event (the SDK exporter
/// tells each export's result to <see cref="AckingLogExporter"/>), so the backlog can live where the events already are —
/// the store — and be re-sent after an outage; Serilog's batching sink drops failed batches without telling anyone.
/// <para>
/// Export never blocks assessment: this service reads committed events from the store by cursor, like the event log,
/// on its own thread. While the collector cannot be reached it retries with backoff (1 s doubling to Otlp:MaxRetryDelaySeconds, 60 s); the backlog
/// is what the store holds past the delivered cursor, bounded by <see cref="OtlpOptions.MaxBacklog"/>: when more events
/// wait, the oldest are skipped and counted as dropped. Delivery is at least once (a batch whose export failed half-way
/// is sent again whole); the cursor is stored, so a restart continues where the last run stopped.
/// </para>
/// </summary>
internal sealed class OtlpExportService(
    DaemonOptions options,
    SigWatchStore store,
    EventHub hub,
    FleetRecords records,
    FleetIdentity identity,
    DaemonMetrics metrics,
    ActivityTracker tracker,
    AssessmentQueue queue,
    TimeProvider time,
    ILogger<OtlpExportService> logger) : BackgroundService
{
    public const string Cursor = "otlp-events";

    /// <summary>Records per export request.</summary>
    internal const int BatchSize = 256;

    private const string LogCategory = "SigWatch.Events";

    private readonly Wakeup _wakeup = hub.AddCommitWakeup();
    private readonly Lock _gate = new();
    private readonly HashSet<long> _acked = [];
    private readonly List<string> _failures = [];
    private readonly ManualResetEventSlim _verdict = new();
    private OtlpExporterDiagnostics? _diagnostics;
    private ExporterState _state = new(options.Otlp.Enabled, options.Otlp.Endpoint, ProtocolName(options.Otlp), "starting", null, null, null, 0, 0, 0, 0, 0, 0);

    public ExporterState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    private static string ProtocolName(OtlpOptions o) => o.IsGrpc ? "grpc" : "http/protobuf";

    // Off (the default), the SDK's assemblies are never loaded: ExportAsync, which uses them, is not even compiled.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Otlp.Enabled ? ExportAsync(stoppingToken) : Task.CompletedTask;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private async Task ExportAsync(CancellationToken stoppingToken)
    {
        var settings = options.Otlp;
        // Turned on for the first time, the export starts with the events committed from now on. "Now" is read before
        // the first await, while the host is still starting its services: the workers start after this one, so no event
        // of this run can precede it (read after the SDK's set-up, a fast start-up had already committed its first
        // events, which were then never exported; seen with the Native AOT daemon).
        var stored = store.DeliveryCursor(Cursor);
        var firstStart = stored ?? store.Summary().LastEventId;
        await Task.Yield();
        using var diagnostics = _diagnostics = new OtlpExporterDiagnostics();
        var resource = Resource();
        // A logging pipeline of its own, for events only: the daemon's diagnostic log (Serilog) is not exported.
        var order = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var processor = new BatchLogRecordExportProcessor(
            new AckingLogExporter(new OtlpLogExporter(ExporterOptions("v1/logs")), order, Delivered),
            maxQueueSize: BatchSize * 2,
            scheduledDelayMilliseconds: 1000,
            exporterTimeoutMilliseconds: (int)(settings.TimeoutSeconds * 1000),
            maxExportBatchSize: BatchSize);
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Trace)
            .AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(resource);
                o.IncludeFormattedMessage = true;
                o.AddProcessor(new EventRecordProcessor(order));
                o.AddProcessor(processor);
            }));
        metrics.ObserveState(store.CountPresentBundlesByVerdict, () => tracker.PendingCount + queue.Count);
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(DaemonMetrics.MeterName)
            .AddReader(new PeriodicExportingMetricReader(new AckingMetricExporter(new OtlpMetricExporter(ExporterOptions("v1/metrics")), MetricsExported),
                (int)(settings.MetricsIntervalSeconds * 1000), (int)(settings.TimeoutSeconds * 1000)))
            .Build();
        var events = loggerFactory.CreateLogger(LogCategory);

        // The starting point is stored at once, so events committed while the Collector cannot be reached are not
        // skipped after a restart.
        var cursor = stored ?? await StartingCursorAsync(firstStart, stoppingToken).ConfigureAwait(false);
        logger.LogInformation("OTLP export to {Endpoint} ({Protocol}) after event {EventId}", settings.Endpoint, ProtocolName(settings), cursor);
        var firstBackoff = TimeSpan.FromSeconds(Math.Min(1, settings.MaxRetryDelaySeconds));
        var maxBackoff = TimeSpan.FromSeconds(settings.MaxRetryDelaySeconds);
        var backoff = firstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                cursor = SkipBeyondBacklog(cursor);
                var batch = records.EventsAfter(cursor, BatchSize);
                if (batch.Count == 0)
                {
                    await _wakeup.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (Export(processor, events, batch) is { } failure)
                {
                    Failed(failure);
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
                    continue;
                }

                backoff = firstBackoff;
                cursor = batch[^1].Event!.Id;
                await store.SetDeliveryCursorAsync(Cursor, cursor, stoppingToken).ConfigureAwait(false);
                var backlog = Math.Max(0, store.Summary().LastEventId - cursor);
                var now = time.GetUtcNow();
                Update(s => s with
                {
                    State = "connected", LastSuccessAt = now, LastError = null, ExportedEvents = s.ExportedEvents + batch.Count,
                    LastEventId = cursor, Backlog = backlog,
                });
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException or IOException)
            {
                Failed($"reading the events to export: {e.Message}");
                await Task.Delay(backoff, time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Emits <paramref name="batch"/> as log records and waits for the exporter's verdict; null when every record was delivered.</summary>
    private string? Export(BatchLogRecordExportProcessor processor, ILogger events, IReadOnlyList<FleetRecord> batch)
    {
        lock (_gate)
        {
            _acked.Clear();
            _failures.Clear();
        }

        foreach (var record in batch)
        {
            var ev = record.Event!;
            events.Log(OtlpRecord.Level(ev.Severity), new EventId(0, "sigwatch." + ev.Kind), OtlpRecord.Attributes(record, identity), null,
                (_, _) => ev.Summary);
        }

        // The batch processor exports on its own thread; a flush makes it export now and waits for the result. A batch
        // its timer had already taken may still be in the exporter when the flush returns (seen under Native AOT: the
        // status then lost the SDK's reason), so the verdict is awaited until every record is acknowledged or one
        // export failed, within the same deadline.
        var deadline = TimeSpan.FromSeconds(options.Otlp.TimeoutSeconds + 5);
        var started = time.GetTimestamp();
        var flushed = processor.ForceFlush((int)deadline.TotalMilliseconds);
        while (true)
        {
            lock (_gate)
            {
                _verdict.Reset();
                if (batch.All(r => _acked.Contains(r.Event!.Id)))
                {
                    return null;
                }

                if (_failures.Count > 0)
                {
                    return _failures[^1];
                }
            }

            var left = deadline - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !_verdict.Wait(left))
            {
                return flushed ? "the collector did not accept the records" : "the export did not finish within its timeout";
            }
        }
    }

    private async Task<long> StartingCursorAsync(long start, CancellationToken cancellationToken)
    {
        await store.SetDeliveryCursorAsync(Cursor, start, cancellationToken).ConfigureAwait(false);
        return start;
    }

    private long SkipBeyondBacklog(long cursor)
    {
        var last = store.Summary().LastEventId;
        var excess = last - cursor - options.Otlp.MaxBacklog;
        if (excess <= 0)
        {
            Update(s => s with { Backlog = Math.Max(0, last - cursor) });
            return cursor;
        }

        var skipped = last - options.Otlp.MaxBacklog;
        logger.LogWarning("OTLP export: {Count} event(s) dropped: more than {Max} waited while the collector could not be reached (Otlp:MaxBacklog)",
            excess, options.Otlp.MaxBacklog);
        Update(s => s with { DroppedEvents = s.DroppedEvents + excess, Backlog = options.Otlp.MaxBacklog });
        return skipped;
    }

    private void Delivered(IReadOnlyList<long> ids, bool success, string? error)
    {
        lock (_gate)
        {
            if (success)
            {
                _acked.UnionWith(ids);
            }
            else
            {
                _failures.Add(error ?? _diagnostics?.Last ?? "the collector refused the export or could not be reached");
            }

            _verdict.Set();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _verdict.Dispose();
    }

    private void MetricsExported(bool success, string? error)
    {
        var now = time.GetUtcNow();
        Update(s => success
            ? s with { MetricExports = s.MetricExports + 1 }
            : s with { MetricExportFailures = s.MetricExportFailures + 1, LastError = $"metrics: {error ?? _diagnostics?.Last ?? "export failed"}", LastErrorAt = now });
    }

    private void Failed(string reason)
    {
        var previous = State;
        var now = time.GetUtcNow();
        Update(s => s with { State = "failing", LastError = reason, LastErrorAt = now });
        if (previous.State != "failing")
        {
            logger.LogWarning("OTLP export to {Endpoint} failed ({Reason}); events wait in the database and are retried with backoff",
                options.Otlp.Endpoint, reason);
        }
    }

    private void Update(Func<ExporterState, ExporterState> change)
    {
        lock (_gate)
        {
            _state = change(_state);
        }
    }

    private ResourceBuilder Resource()
    {
        var host = identity.Host;
        var attributes = new List<KeyValuePair<string, object>>
        {
            new("host.name", host.Name),
            new("host.arch", host.Architecture switch { "x86_64" => "amd64", var a => a }),
            new("os.type", host.OsType == "macos" ? "darwin" : host.OsType),
        };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                attributes.Add(new(name, value));
            }
        }

        Add("host.id", host.Id);
        Add("os.name", host.OsName);
        Add("os.version", host.OsVersion);
        Add("os.description", host.OsFull);
        Add("os.build_id", host.Kernel);
        return ResourceBuilder.CreateEmpty()
            .AddService("sigwatchd", serviceVersion: identity.AgentVersion, autoGenerateServiceInstanceId: false)
            .AddAttributes(attributes);
    }

    /// <summary>The exporter settings for one signal: the endpoint (with the signal's path for HTTP), headers and TLS.</summary>
    private OtlpExporterOptions ExporterOptions(string signalPath)
    {
        var settings = options.Otlp;
        var endpoint = new Uri(settings.Endpoint);
        if (!settings.IsGrpc)
        {
            // Set in code, the endpoint is used as given (the SDK appends /v1/logs only to OTEL_EXPORTER_OTLP_ENDPOINT);
            // ours is the base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is (OTLP exporter specification).
            endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
        }

        return new OtlpExporterOptions
        {
            Endpoint = endpoint,
            Protocol = settings.IsGrpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf,
            TimeoutMilliseconds = (int)(settings.TimeoutSeconds * 1000),
            HttpClientFactory = () => HttpClientFor(settings),
        };
    }

    /// <summary>
    /// The client every export goes through (gRPC and HTTP alike in the SDK): configured headers, and TLS with the
    /// configured CA (trusted instead of the system's roots for this connection) and client certificate.
    /// </summary>
    internal static HttpClient HttpClientFor(OtlpOptions settings)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1), ConnectTimeout = TimeSpan.FromSeconds(settings.TimeoutSeconds) };
        if (settings.CaCertificate is { } caPath)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caPath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        if (settings.ClientCertificate is { } certificatePath && settings.ClientKey is { } keyPath)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificatePath, keyPath)];
        }

        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds) };
        foreach (var (name, value) in settings.Headers)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }

        return client;
    }
}
