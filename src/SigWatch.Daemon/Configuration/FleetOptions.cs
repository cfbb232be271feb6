namespace SigWatch.Daemon.Configuration;

/// <summary>The NDJSON event log (configuration section <c>EventLog</c>; docs/event-log.md).</summary>
internal sealed class EventLogOptions
{
    public const string DefaultFileName = "events.ndjson";

    /// <summary>On by default: the file is what log shippers read.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The file written; default <c>&lt;LogDir&gt;/events.ndjson</c>. Rotated files sit beside it.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The file is rotated when a write would take it past this size.</summary>
    public double MaxFileMegabytes { get; set; } = 50;

    /// <summary>The file is rotated when its first line is older than this.</summary>
    public double MaxFileAgeHours { get; set; } = 24;

    /// <summary>Rotated files kept; older ones are deleted.</summary>
    public int RetainFiles { get; set; } = 10;

    /// <summary>Also write every stored assessment (the inventory as it changes) as an <c>event.kind: state</c> line.</summary>
    public bool IncludeAssessments { get; set; }

    public long MaxFileBytes => (long)(MaxFileMegabytes * 1024 * 1024);

    public void Validate(List<string> problems)
    {
        if (double.IsNaN(MaxFileMegabytes) || MaxFileMegabytes < 0.01 || MaxFileMegabytes > 100_000)
        {
            problems.Add($"event log maximum file size {MaxFileMegabytes} MB is out of range (0.01 to 100000)");
        }

        if (double.IsNaN(MaxFileAgeHours) || MaxFileAgeHours < 0.001 || MaxFileAgeHours > 24 * 366)
        {
            problems.Add($"event log maximum file age {MaxFileAgeHours} h is out of range (0.001 to 8784)");
        }

        if (RetainFiles is < 1 or > 10_000)
        {
            problems.Add($"event log retained files {RetainFiles} is out of range (1 to 10000)");
        }
    }
}

/// <summary>The OpenTelemetry (OTLP) export (configuration section <c>Otlp</c>; docs/event-log.md, "OTLP").</summary>
internal sealed class OtlpOptions
{
    /// <summary>The collector's URL; empty: no export (the default). gRPC: <c>http(s)://host:4317</c>; HTTP: the base URL, /v1/logs and /v1/metrics are appended.</summary>
    public string Endpoint { get; set; } = string.Empty;

    /// <summary><c>grpc</c> or <c>http/protobuf</c> (the OTEL_EXPORTER_OTLP_PROTOCOL spellings; <c>http-protobuf</c> too).</summary>
    public string Protocol { get; set; } = "grpc";

    /// <summary>Headers sent with every export (e.g. <c>authorization</c>); a dictionary in JSON and in the managed profile.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>PEM file of the CA(s) that issue the collector's certificate, when it is not in the system's trust store.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>PEM client certificate (with <see cref="ClientKey"/>) for collectors that require mutual TLS.</summary>
    public string? ClientCertificate { get; set; }

    public string? ClientKey { get; set; }

    /// <summary>Events kept for export while the collector cannot be reached; beyond, the oldest are dropped and counted.</summary>
    public int MaxBacklog { get; set; } = 10_000;

    /// <summary>How often metrics are exported.</summary>
    public double MetricsIntervalSeconds { get; set; } = 60;

    /// <summary>How long one export may take before it counts as failed.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Failed exports are retried after 1 s, doubling up to this.</summary>
    public double MaxRetryDelaySeconds { get; set; } = 60;

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    public bool IsGrpc => Protocol.Equals("grpc", StringComparison.OrdinalIgnoreCase);

    public void Validate(List<string> problems)
    {
        if (!Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"OTLP endpoint '{Endpoint}' is not an http:// or https:// URL");
        }

        if (!IsGrpc && !Protocol.Equals("http/protobuf", StringComparison.OrdinalIgnoreCase) && !Protocol.Equals("http-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"OTLP protocol '{Protocol}' is not grpc or http/protobuf");
        }

        foreach (var (name, value) in Headers)
        {
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c is ':' or ',' or '=') || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                problems.Add($"OTLP header '{name}' is not a valid header name and value");
            }
        }

        foreach (var (what, path) in new[] { ("CA certificate", CaCertificate), ("client certificate", ClientCertificate), ("client key", ClientKey) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                problems.Add($"OTLP {what} '{path}' does not exist");
            }
        }

        if (string.IsNullOrWhiteSpace(ClientCertificate) != string.IsNullOrWhiteSpace(ClientKey))
        {
            problems.Add("OTLP client certificate and client key go together: set both or neither");
        }

        if (MaxBacklog is < 0 or > 1_000_000)
        {
            problems.Add($"OTLP backlog {MaxBacklog} is out of range (0 to 1000000)");
        }

        if (double.IsNaN(MetricsIntervalSeconds) || MetricsIntervalSeconds < 0.1 || MetricsIntervalSeconds > 86_400)
        {
            problems.Add($"OTLP metrics interval {MetricsIntervalSeconds} s is out of range (0.1 to 86400)");
        }

        if (double.IsNaN(MaxRetryDelaySeconds) || MaxRetryDelaySeconds < 0.1 || MaxRetryDelaySeconds > 3600)
        {
            problems.Add($"OTLP maximum retry delay {MaxRetryDelaySeconds} s is out of range (0.1 to 3600)");
        }

        if (double.IsNaN(TimeoutSeconds) || TimeoutSeconds < 0.1 || TimeoutSeconds > 600)
        {
            problems.Add($"OTLP timeout {TimeoutSeconds} s is out of range (0.1 to 600)");
        }
    }
}
