using System.Diagnostics.Metrics;
using SigWatch.Daemon.Store;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// The daemon's metrics (System.Diagnostics.Metrics, exported through the OpenTelemetry SDK when OTLP is on; without a
/// listener an instrument costs next to nothing). Names follow the OpenTelemetry naming guidelines: a <c>sigwatch.</c>
/// namespace, units in UCUM (<c>s</c>, <c>{bundle}</c>, <c>{event}</c>).
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    public const string MeterName = "SigWatch.Daemon";

    private readonly Counter<long> _events;
    private readonly Histogram<double> _assessmentDuration;

    public DaemonMetrics()
    {
        Meter = new Meter(MeterName, DaemonClock.Version);
        _events = Meter.CreateCounter<long>("sigwatch.events", "{event}", "Events committed, by kind and severity.");
        _assessmentDuration = Meter.CreateHistogram<double>("sigwatch.assessment.duration", "s",
            "How long assessments took, by the kind of object and how they ended (completed, incomplete).");
    }

    public Meter Meter { get; }

    public void EventsCommitted(IReadOnlyList<EventRecord> events)
    {
        foreach (var ev in events)
        {
            _events.Add(1, new KeyValuePair<string, object?>("sigwatch.event.kind", ev.Kind),
                new KeyValuePair<string, object?>("sigwatch.event.severity", ev.Severity.ToString().ToLowerInvariant()));
        }
    }

    /// <param name="objectKind">"bundle", or the download kind (disk-image, installer-package, archive).</param>
    /// <param name="outcome">"completed" or "incomplete" (the deadline ran out).</param>
    public void Assessed(TimeSpan duration, string objectKind, string outcome) =>
        _assessmentDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("sigwatch.object", objectKind),
            new KeyValuePair<string, object?>("sigwatch.outcome", outcome));

    /// <summary>Registers the gauges read at each export: present bundles by verdict, and the assessment queue's depth.</summary>
    public void ObserveState(Func<IReadOnlyDictionary<string, long>> bundlesByVerdict, Func<long> queueDepth)
    {
        Meter.CreateObservableGauge("sigwatch.bundles", () => bundlesByVerdict().Select(p =>
            new Measurement<long>(p.Value, new KeyValuePair<string, object?>("sigwatch.verdict", p.Key))), "{bundle}",
            "Bundles and downloads present, by the verdict of their latest assessment.");
        Meter.CreateObservableGauge("sigwatch.queue.depth", () => queueDepth(), "{bundle}",
            "Bundles waiting for their quiet window or in the assessment queue.");
    }

    public void Dispose() => Meter.Dispose();
}
