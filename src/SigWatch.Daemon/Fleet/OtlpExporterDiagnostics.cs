using System.Diagnostics.Tracing;
using System.Globalization;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// Why an export failed, in the SDK's words: its OTLP exporter returns only Success or Failure and tells the reason
/// (connection refused, a status code, a timeout) to its EventSource. This listener keeps the last warning or error
/// from it, first line only (the SDK appends the exception with its stack), for <c>sigwatch status</c> and the log.
/// </summary>
internal sealed class OtlpExporterDiagnostics : EventListener
{
    private const string SourceName = "OpenTelemetry-Exporter-OpenTelemetryProtocol";
    private const int MaxLength = 400;
    private string? _last;

    /// <summary>
    /// The SDK's latest reason, or null; read, not consumed: the log and metric exporters fail at the same time when
    /// the collector is down, and one must not take the reason from the other (a CI run saw the generic text).
    /// </summary>
    public string? Last => Volatile.Read(ref _last);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == SourceName)
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventSource.Name != SourceName || eventData.Level > EventLevel.Warning)
        {
            return;
        }

        string text;
        try
        {
            text = eventData.Message is { Length: > 0 } format && eventData.Payload is { Count: > 0 } payload
                ? string.Format(CultureInfo.InvariantCulture, format, [.. payload])
                : eventData.Message ?? eventData.EventName ?? "export failed";
        }
        catch (FormatException)
        {
            text = eventData.EventName ?? "export failed";
        }

        var firstLine = text.ReplaceLineEndings("\n").Split('\n', 2)[0].Trim();
        Volatile.Write(ref _last, firstLine.Length > MaxLength ? firstLine[..MaxLength] + "…" : firstLine);
    }
}
