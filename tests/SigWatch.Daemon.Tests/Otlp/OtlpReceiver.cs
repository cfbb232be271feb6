using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace SigWatch.Daemon.Tests.Otlp;

/// <summary>Which OTLP transport carried a request.</summary>
internal enum OtlpTransport
{
    Grpc,
    HttpProtobuf,
}

/// <summary>Which signal a request carried.</summary>
internal enum OtlpSignal
{
    Logs,
    Metrics,
}

/// <summary>One accepted export request, as it arrived.</summary>
/// <param name="Headers">The request headers, names in lower case (HTTP/2 sends them so; HTTP/1.1 ones are folded to match).</param>
internal sealed record OtlpReceivedRequest(
    OtlpSignal Signal, OtlpTransport Transport, IReadOnlyDictionary<string, string> Headers, IMessage Body, DateTimeOffset ReceivedAt);

/// <summary>
/// An OTLP receiver for tests: records every logs and metrics export sent to it over OTLP/gRPC or OTLP/HTTP (binary
/// protobuf), as a collector would receive it. Protocol: opentelemetry-proto docs/specification.md (commit
/// ac2c4b5d1f3a6079de62f9afec860158ecc8af09): OTLP/gRPC calls the unary Export method of
/// opentelemetry.proto.collector.{logs,metrics}.v1.{Logs,Metrics}Service (default port 4317); OTLP/HTTP POSTs the same
/// request message to /v1/logs and /v1/metrics with "Content-Type: application/x-protobuf" and gets the response message
/// back with the same content type (default port 4318). Retryable refusals are gRPC UNAVAILABLE and HTTP 503 ("Failures"
/// and "Retryable Response Codes" there), which <see cref="Reject"/> answers with.
/// </summary>
/// <remarks>
/// <para>
/// Two listeners, both on 127.0.0.1: gRPC needs HTTP/2, and a cleartext (h2c) client starts HTTP/2 with prior knowledge,
/// which Kestrel accepts only on an endpoint that speaks HTTP/2 alone. With Http1AndHttp2 and no TLS there is no ALPN to
/// choose by and Kestrel takes HTTP/1.1: tried on Kestrel 10.0, an HTTP/2 prior-knowledge request there is refused with
/// HTTP/2 error HTTP_1_1_REQUIRED. OTLP/HTTP then gets its own HTTP/1.1 port (the SDK's HttpProtobuf exporter speaks
/// HTTP/1.1).
/// </para>
/// <para>
/// The OpenTelemetry .NET SDK's gRPC exporter (OpenTelemetry.Exporter.OpenTelemetryProtocol 1.21.0) needs no switch
/// for a cleartext <c>http://</c> endpoint on .NET 5 and later: it sends each call as an HTTP/2 request with version policy
/// RequestVersionExact (OtlpExportClient in open-telemetry/opentelemetry-dotnet), which SocketsHttpHandler sends as h2c
/// with prior knowledge. The AppContext switch System.Net.Http.SocketsHttpHandler.Http2UnencryptedSupport was needed on
/// .NET Core 3.x only; OtlpReceiverTests exports over h2c without it. Its HttpProtobuf exporter, given an Endpoint in
/// code, posts to that URL as it is: the signal path (/v1/logs) is appended only to the default endpoint (the package's
/// documentation of OtlpExporterOptions.Endpoint) and, as tried with 1.21.0, to a base URL from
/// OTEL_EXPORTER_OTLP_ENDPOINT; hence <see cref="HttpLogsUrl"/> and <see cref="HttpMetricsUrl"/>.
/// </para>
/// </remarks>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private const string ProtobufContentType = "application/x-protobuf";

    private readonly Lock _gate = new();
    private readonly List<OtlpReceivedRequest> _received = [];
    private WebApplication? _app;
    private int _rejected;

    private OtlpReceiver()
    {
    }

    /// <summary>The HTTP/2-only port serving OTLP/gRPC.</summary>
    public int GrpcPort { get; private set; }

    /// <summary>The HTTP/1.1 port serving OTLP/HTTP.</summary>
    public int HttpPort { get; private set; }

    /// <summary>The endpoint to give a gRPC exporter (the SDK's <c>OtlpExporterOptions.Endpoint</c> with Protocol Grpc).</summary>
    public string GrpcEndpoint => $"{Scheme}://127.0.0.1:{GrpcPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>With a certificate both listeners speak TLS (gRPC negotiates HTTP/2 by ALPN): endpoints are https://.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate { get; private init; }

    private string Scheme => ServerCertificate is null ? "http" : "https";

    /// <summary>The base of the OTLP/HTTP endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (the SDK appends /v1/{signal}).</summary>
    public string HttpEndpoint => $"{Scheme}://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The full logs URL, as <c>OtlpExporterOptions.Endpoint</c> set in code takes it for HttpProtobuf.</summary>
    public string HttpLogsUrl => HttpEndpoint + "/v1/logs";

    /// <summary>The full metrics URL, as <c>OtlpExporterOptions.Endpoint</c> set in code takes it for HttpProtobuf.</summary>
    public string HttpMetricsUrl => HttpEndpoint + "/v1/metrics";

    /// <summary>Whether the receiver is listening (between a start and a stop).</summary>
    public bool IsRunning => _app is not null;

    /// <summary>While this returns true, every export is refused as retryable (gRPC UNAVAILABLE, HTTP 503) and not recorded.</summary>
    public Func<bool>? Reject { get; set; }

    /// <summary>How many export requests <see cref="Reject"/> refused.</summary>
    public int RejectedCount => Volatile.Read(ref _rejected);

    /// <summary>Every accepted request of either signal, in order of arrival.</summary>
    public IReadOnlyList<OtlpReceivedRequest> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Every accepted logs export request, in order of arrival.</summary>
    public IReadOnlyList<ExportLogsServiceRequest> Logs =>
        [.. Received.Where(r => r.Signal == OtlpSignal.Logs).Select(r => (ExportLogsServiceRequest)r.Body)];

    /// <summary>Every accepted metrics export request, in order of arrival.</summary>
    public IReadOnlyList<ExportMetricsServiceRequest> Metrics =>
        [.. Received.Where(r => r.Signal == OtlpSignal.Metrics).Select(r => (ExportMetricsServiceRequest)r.Body)];

    /// <summary>The headers of the last accepted logs request, or null before one.</summary>
    public IReadOnlyDictionary<string, string>? LastLogsHeaders => Received.LastOrDefault(r => r.Signal == OtlpSignal.Logs)?.Headers;

    /// <summary>The headers of the last accepted metrics request, or null before one.</summary>
    public IReadOnlyDictionary<string, string>? LastMetricsHeaders =>
        Received.LastOrDefault(r => r.Signal == OtlpSignal.Metrics)?.Headers;

    /// <summary>Starts a receiver on two free loopback ports.</summary>
    public static Task<OtlpReceiver> StartAsync() => StartAsync(0, 0);

    /// <summary>Starts a receiver on the given loopback ports (0: a free one).</summary>
    public static async Task<OtlpReceiver> StartAsync(int grpcPort, int httpPort)
    {
        var receiver = new OtlpReceiver { GrpcPort = grpcPort, HttpPort = httpPort };
        await receiver.ListenAsync();
        return receiver;
    }

    /// <summary>Starts a receiver that speaks TLS with <paramref name="certificate"/> (with its private key), on free ports.</summary>
    public static async Task<OtlpReceiver> StartTlsAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var receiver = new OtlpReceiver { ServerCertificate = certificate };
        await receiver.ListenAsync();
        return receiver;
    }

    /// <summary>
    /// Stops listening: the ports are closed (a new connection is refused) and open connections are closed, so exports
    /// fail until <see cref="RestartAsync"/>. What was recorded stays.
    /// </summary>
    public async Task StopAsync()
    {
        var app = _app;
        if (app is null)
        {
            return;
        }

        _app = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Listens again on the same two ports, keeping what was recorded before.</summary>
    /// <remarks>
    /// Binding at once works although the stop closed connections on the server side (leaving them in TIME_WAIT): on Unix
    /// .NET sets SO_REUSEADDR on every TCP socket it binds, to match Windows (SystemNative_Bind in dotnet/runtime's
    /// System.Native pal_networking.c). OtlpReceiverTests restarts straight after a stop with connections open.
    /// </remarks>
    public Task RestartAsync()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The receiver is already running.");
        }

        return ListenAsync();
    }

    /// <summary>Forgets every request recorded so far (and the count of rejected ones).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _received.Clear();
            _rejected = 0;
        }
    }

    /// <summary>Every log record received, with the resource it came under, in order of arrival.</summary>
    public IEnumerable<(Resource Resource, LogRecord Record)> LogRecords() =>
        from request in Logs
        from resourceLogs in request.ResourceLogs
        from scopeLogs in resourceLogs.ScopeLogs
        from record in scopeLogs.LogRecords
        select (resourceLogs.Resource ?? new Resource(), record);

    /// <summary>Every metric received with this name, with the resource it came under, in order of arrival.</summary>
    public IEnumerable<(Resource Resource, Metric Metric)> MetricsNamed(string name) =>
        from request in Metrics
        from resourceMetrics in request.ResourceMetrics
        from scopeMetrics in resourceMetrics.ScopeMetrics
        from metric in scopeMetrics.Metrics
        where metric.Name == name
        select (resourceMetrics.Resource ?? new Resource(), metric);

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; past the timeout, says what arrived.</summary>
    public async Task WaitForAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"The OTLP receiver waited {timeout.TotalSeconds:0.#} s in vain. {Describe()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>What was received, for a failure message: requests, log records and metric names.</summary>
    public string Describe()
    {
        var received = Received;
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"Running: {IsRunning}; {received.Count} request(s) accepted, {RejectedCount} rejected.");
        foreach (var request in received)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {request.Signal} over {request.Transport} at {request.ReceivedAt:HH:mm:ss.fff}:");
            switch (request.Body)
            {
                case ExportLogsServiceRequest logs:
                    foreach (var record in logs.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords).Take(20))
                    {
                        text.Append(CultureInfo.InvariantCulture,
                            $"\n    {record.SeverityNumber} ({record.SeverityText}) {Format(ToObject(record.Body))} {Format(Attributes(record.Attributes))}");
                    }

                    break;
                case ExportMetricsServiceRequest metrics:
                    var names = metrics.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)
                        .Select(m => $"{m.Name} ({m.DataCase})");
                    text.Append(' ').AppendJoin(", ", names);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// OTLP attributes as plain values for assertions: string, bool, long, double, byte[], object?[] for an array,
    /// a dictionary for a key/value list, null for an empty value. A repeated key keeps its last value.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = ToObject(attribute.Value);
        }

        return result;
    }

    /// <summary>One OTLP value as a plain one (see <see cref="Attributes"/>).</summary>
    public static object? ToObject(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(ToObject).ToArray(),
        AnyValue.ValueOneofCase.KvlistValue => Attributes(value.KvlistValue.Values),
        _ => null,
    };

    public async ValueTask DisposeAsync() => await StopAsync();

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => '"' + s + '"',
        IReadOnlyDictionary<string, object?> map => "{" + string.Join(", ", map.Select(p => p.Key + "=" + Format(p.Value))) + "}",
        object?[] array => "[" + string.Join(", ", array.Select(Format)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private async Task ListenAsync()
    {
        // The empty builder reads no appsettings.json or environment (so nothing from the test's output folder or the
        // machine can add endpoints) and registers no logging provider: the receiver prints nothing.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        ListenOptions? grpcListen = null;
        ListenOptions? httpListen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (ServerCertificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }

                grpcListen = listen;
            });
            kestrel.Listen(IPAddress.Loopback, HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (ServerCertificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }

                httpListen = listen;
            });
        });

        // A stop closes open connections at once rather than waiting the default 30 s for the exporter to hang up.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(this);
        builder.Services.AddGrpc();

        var app = builder.Build();
        app.MapGrpcService<LogsReceiver>();
        app.MapGrpcService<MetricsReceiver>();
        app.MapPost("/v1/logs", context => ReceiveHttpAsync(context, OtlpSignal.Logs, ExportLogsServiceRequest.Parser, new ExportLogsServiceResponse()));
        app.MapPost("/v1/metrics",
            context => ReceiveHttpAsync(context, OtlpSignal.Metrics, ExportMetricsServiceRequest.Parser, new ExportMetricsServiceResponse()));

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // Kestrel writes the bound port back into the endpoint it listened on, so port 0 resolves here.
        GrpcPort = grpcListen!.IPEndPoint!.Port;
        HttpPort = httpListen!.IPEndPoint!.Port;
        _app = app;
    }

    private bool ShouldReject()
    {
        if (Reject?.Invoke() != true)
        {
            return false;
        }

        Interlocked.Increment(ref _rejected);
        return true;
    }

    private void Record(OtlpSignal signal, OtlpTransport transport, IHeaderDictionary headers, IMessage body)
    {
        var copied = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            copied[name.ToLowerInvariant()] = values.ToString();
        }

        lock (_gate)
        {
            _received.Add(new OtlpReceivedRequest(signal, transport, copied, body, DateTimeOffset.UtcNow));
        }
    }

    private async Task ReceiveHttpAsync<TRequest>(HttpContext context, OtlpSignal signal, MessageParser<TRequest> parser, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        // Binary protobuf only: the JSON encoding the specification also allows is not something our exporter sends.
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (ShouldReject())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        // The SDK gzips the body when OtlpExporterOptions.Compression is GZip.
        var gzip = context.Request.Headers.ContentEncoding.ToString().Equals("gzip", StringComparison.OrdinalIgnoreCase);
        using var body = new MemoryStream();
        if (gzip)
        {
            await using var inflate = new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true);
            await inflate.CopyToAsync(body, context.RequestAborted);
        }
        else
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }

        TRequest request;
        try
        {
            request = parser.ParseFrom(body.GetBuffer(), 0, (int)body.Length);
        }
        catch (InvalidProtocolBufferException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Record(signal, OtlpTransport.HttpProtobuf, context.Request.Headers, request);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ProtobufContentType;
        var bytes = response.ToByteArray();
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private Task<TResponse> ReceiveGrpc<TResponse>(OtlpSignal signal, IMessage request, ServerCallContext context, TResponse response)
    {
        if (ShouldReject())
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The test OTLP receiver is rejecting exports."));
        }

        Record(signal, OtlpTransport.Grpc, context.GetHttpContext().Request.Headers, request);
        return Task.FromResult(response);
    }

    private sealed class LogsReceiver(OtlpReceiver receiver) : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
            receiver.ReceiveGrpc(OtlpSignal.Logs, request, context, new ExportLogsServiceResponse());
    }

    private sealed class MetricsReceiver(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context) =>
            receiver.ReceiveGrpc(OtlpSignal.Metrics, request, context, new ExportMetricsServiceResponse());
    }
}
