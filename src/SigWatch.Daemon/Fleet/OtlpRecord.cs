using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using SigWatch.Core.Assessment;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// An event as an OpenTelemetry log record: the attributes are the event log line's fields, flattened to dotted names
/// (ECS and the OpenTelemetry semantic conventions share file.path, file.name, file.directory, file.size,
/// file.extension, user.id and user.name; the rest keep their ECS or sigwatch.* names), so a pipeline sees the same
/// names whichever way an event arrives. host.*, agent.* and ecs.* describe the sender and go into the resource instead
/// (service.*, host.*, os.*); @timestamp becomes the record's time and message its body.
/// </summary>
internal static class OtlpRecord
{
    /// <summary>The attribute that carries the event time to <see cref="AckingLogExporter"/>, which makes it the record's timestamp.</summary>
    public const string TimeAttribute = "sigwatch.event_time";

    public const string EventIdAttribute = "sigwatch.event_id";

    private static readonly HashSet<string> s_resourceOnly = new(StringComparer.Ordinal) { "ecs", "host", "agent", "message", "@timestamp" };

    public static LogLevel Level(ChangeSeverity severity) => severity switch
    {
        ChangeSeverity.Critical => LogLevel.Error,
        ChangeSeverity.Warning => LogLevel.Warning,
        _ => LogLevel.Information,
    };

    /// <summary>The record's attributes (the body, the event's summary, is the formatted message).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Attributes(FleetRecord record, FleetIdentity identity)
    {
        var attributes = new List<KeyValuePair<string, object?>>(48)
        {
            new(TimeAttribute, record.Time.ToUnixTimeMilliseconds()),
        };
        using var document = JsonDocument.Parse(EcsDocument.Line(record, identity));
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!s_resourceOnly.Contains(property.Name))
            {
                Flatten(property.Name, property.Value, attributes);
            }
        }

        return attributes;
    }

    private static void Flatten(string name, JsonElement value, List<KeyValuePair<string, object?>> attributes)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    Flatten($"{name}.{property.Name}", property.Value, attributes);
                }

                break;
            case JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String):
                attributes.Add(new(name, value.EnumerateArray().Select(v => v.GetString()!).ToArray()));
                break;
            case JsonValueKind.Array:
                // Lists of objects (findings, diagnoses) stay JSON: OTLP attribute arrays hold only scalars in practice.
                attributes.Add(new(name, value.GetRawText()));
                break;
            case JsonValueKind.String:
                attributes.Add(new(name, value.GetString()));
                break;
            case JsonValueKind.Number:
                attributes.Add(value.TryGetInt64(out var whole) ? new(name, whole) : new(name, value.GetDouble()));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                attributes.Add(new(name, value.GetBoolean()));
                break;
        }
    }

    internal static long? ReadLong(LogRecord record, string name)
    {
        if (record.Attributes is null)
        {
            return null;
        }

        foreach (var attribute in record.Attributes)
        {
            if (attribute.Key == name)
            {
                return attribute.Value switch
                {
                    long l => l,
                    int i => i,
                    string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => null,
                };
            }
        }

        return null;
    }
}

/// <summary>
/// Sits before the batch processor: gives each record the event's time (not the moment it was handed to the SDK: an
/// event re-sent after an outage happened when it happened) and notes its event id, in the order the batch processor
/// queues records, for <see cref="AckingLogExporter"/>.
/// </summary>
internal sealed class EventRecordProcessor(System.Collections.Concurrent.ConcurrentQueue<long> order) : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord data)
    {
        if (OtlpRecord.ReadLong(data, OtlpRecord.TimeAttribute) is { } milliseconds)
        {
            data.Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime;
        }

        order.Enqueue(OtlpRecord.ReadLong(data, OtlpRecord.EventIdAttribute) ?? 0);
    }
}

/// <summary>
/// Passes each batch to the SDK's OTLP exporter and reports which events it delivered. A batch from the batch processor
/// can be enumerated only once (its enumerator hands each record back to the SDK's pool as it moves on), so the ids come
/// from <see cref="EventRecordProcessor"/>'s queue: the batch holds the next <c>batch.Count</c> records in that order.
/// </summary>
internal sealed class AckingLogExporter(BaseExporter<LogRecord> inner, System.Collections.Concurrent.ConcurrentQueue<long> order,
    Action<IReadOnlyList<long>, bool, string?> delivered) : BaseExporter<LogRecord>
{
    public override ExportResult Export(in Batch<LogRecord> batch)
    {
        var ids = new List<long>((int)batch.Count);
        for (var i = 0; i < batch.Count && order.TryDequeue(out var id); i++)
        {
            ids.Add(id);
        }

        ExportResult result;
        string? error = null;
        try
        {
            ExporterParent.Share(this, inner);
            result = inner.Export(batch);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = ExportResult.Failure;
            error = e.Message;
        }

        delivered(ids, result == ExportResult.Success, error);
        return result;
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => inner.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => inner.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Passes metric batches to the SDK's OTLP exporter and reports each result (for <c>sigwatch status</c>).</summary>
internal sealed class AckingMetricExporter(BaseExporter<Metric> inner, Action<bool, string?> exported) : BaseExporter<Metric>
{
    public override ExportResult Export(in Batch<Metric> batch)
    {
        try
        {
            ExporterParent.Share(this, inner);
            var result = inner.Export(batch);
            exported(result == ExportResult.Success, null);
            return result;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            exported(false, e.Message);
            return ExportResult.Failure;
        }
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => inner.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => inner.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The SDK's OTLP exporters take the resource (service.*, host.*, os.*) from their ParentProvider, which the SDK sets
/// only on the exporter it was given — here the wrapper. The property's setter is internal to the SDK, so the wrapper
/// hands its parent on by reflection; were the setter ever gone, records would leave without resource attributes, which
/// DaemonOtlpTests checks.
/// </summary>
internal static class ExporterParent
{
    public static void Share<T>(BaseExporter<T> wrapper, BaseExporter<T> inner)
        where T : class
    {
        if (inner.ParentProvider is null && wrapper.ParentProvider is { } parent)
        {
            typeof(BaseExporter<T>).GetProperty(nameof(BaseExporter<T>.ParentProvider))?.GetSetMethod(nonPublic: true)?.Invoke(inner, [parent]);
        }
    }
}
