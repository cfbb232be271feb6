using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using Xunit.Abstractions;
using ProtoMetric = OpenTelemetry.Proto.Metrics.V1.Metric;
using ProtoSeverity = OpenTelemetry.Proto.Logs.V1.SeverityNumber;
using ProtoTemporality = OpenTelemetry.Proto.Metrics.V1.AggregationTemporality;
using SdkLogRecord = OpenTelemetry.Logs.LogRecord;

namespace SigWatch.Daemon.Tests.Otlp;

/// <summary>
/// The test OTLP receiver against the real exporter of the OpenTelemetry .NET SDK (OpenTelemetry.Exporter.OpenTelemetryProtocol
/// 1.21.0), in process: what the SDK sends arrives whole over both transports, and the receiver can go away and come back.
/// </summary>
public sealed class OtlpReceiverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task LogRecord_ArrivesWithItsAttributesSeverityAndHeaders(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var before = DateTimeOffset.UtcNow;
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddOtlpExporter(e =>
               {
                   e.Endpoint = new Uri(LogsEndpoint(receiver, protocol));
                   e.Protocol = protocol;
                   e.Headers = "authorization=Bearer t";
               }))))
        {
            factory.CreateLogger("SigWatch.Tests.Otlp").Log(
                LogLevel.Warning, new EventId(7, "SignatureChanged"), "Signature of {Path} changed {Count} times, valid {Valid}, score {Score}",
                "/Applications/Foo.app", 3, false, 0.5);
        }

        // Disposing the factory shut the batch processor down, which exports what it holds before returning.
        Assert.True(receiver.LogRecords().Any(), receiver.Describe());
        output.WriteLine(receiver.Describe());

        var (resource, record) = Assert.Single(receiver.LogRecords());
        output.WriteLine(record.ToString());
        Assert.Equal(ProtoSeverity.Warn, record.SeverityNumber);
        Assert.Equal("Warning", record.SeverityText);

        // The EventId's name becomes event_name (its number is not sent).
        Assert.Equal("SignatureChanged", record.EventName);
        Assert.Equal("Signature of {Path} changed {Count} times, valid {Valid}, score {Score}", OtlpReceiver.ToObject(record.Body));
        var attributes = OtlpReceiver.Attributes(record.Attributes);
        Assert.Equal("/Applications/Foo.app", attributes["Path"]);
        Assert.Equal(3L, attributes["Count"]);
        Assert.Equal(false, attributes["Valid"]);
        Assert.Equal(0.5, attributes["Score"]);

        // fixed64 nanoseconds since the epoch: a wrong field number or wire type would not land here as a plausible time.
        var observed = DateTimeOffset.UnixEpoch.AddTicks((long)(record.ObservedTimeUnixNano / 100));
        Assert.InRange(observed, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.Contains(resource.Attributes, a => a.Key == "service.name");
        Assert.Equal("Bearer t", receiver.LastLogsHeaders!["authorization"]);
        var request = Assert.Single(receiver.Received);
        Assert.Equal(protocol == OtlpExportProtocol.Grpc ? OtlpTransport.Grpc : OtlpTransport.HttpProtobuf, request.Transport);
        var scope = Assert.Single(Assert.Single(receiver.Logs).ResourceLogs).ScopeLogs.Single().Scope;
        Assert.Equal("SigWatch.Tests.Otlp", scope.Name);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Metrics_ArriveAsASumAHistogramAndAGaugeWithTheirAttributes(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var meterName = "SigWatch.Tests.Otlp." + protocol;
        using var meter = new Meter(meterName, "1.2.3");
        var counter = meter.CreateCounter<long>("sigwatch.test.events", unit: "{event}", description: "Events seen");
        var histogram = meter.CreateHistogram<double>("sigwatch.test.duration", unit: "s");
        meter.CreateObservableGauge("sigwatch.test.queue", () => new Measurement<int>(4, new KeyValuePair<string, object?>("queue", "main")));
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddOtlpExporter((e, reader) =>
            {
                e.Endpoint = new Uri(protocol == OtlpExportProtocol.Grpc ? receiver.GrpcEndpoint : receiver.HttpMetricsUrl);
                e.Protocol = protocol;
                e.Headers = "authorization=Bearer m";

                // Only ForceFlush exports, so the test sees exactly one request.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build();

        counter.Add(2, new KeyValuePair<string, object?>("kind", "arrival"));
        counter.Add(1, new KeyValuePair<string, object?>("kind", "arrival"));
        histogram.Record(0.2);
        histogram.Record(3.0);
        Assert.True(provider.ForceFlush(10_000));
        output.WriteLine(receiver.Describe());

        var (resource, sum) = Assert.Single(receiver.MetricsNamed("sigwatch.test.events"));
        Assert.Contains(resource.Attributes, a => a.Key == "service.name");
        Assert.Equal(ProtoMetric.DataOneofCase.Sum, sum.DataCase);
        Assert.Equal("{event}", sum.Unit);
        Assert.Equal("Events seen", sum.Description);
        Assert.True(sum.Sum.IsMonotonic);
        Assert.Equal(ProtoTemporality.Cumulative, sum.Sum.AggregationTemporality);
        var point = Assert.Single(sum.Sum.DataPoints);
        Assert.Equal(NumberDataPoint.ValueOneofCase.AsInt, point.ValueCase);
        Assert.Equal(3, point.AsInt);
        Assert.Equal("arrival", OtlpReceiver.Attributes(point.Attributes)["kind"]);
        Assert.True(point.TimeUnixNano >= point.StartTimeUnixNano && point.StartTimeUnixNano > 0);

        var (_, duration) = Assert.Single(receiver.MetricsNamed("sigwatch.test.duration"));
        var histogramPoint = Assert.Single(duration.Histogram.DataPoints);
        Assert.Equal(2UL, histogramPoint.Count);
        Assert.Equal(3.2, histogramPoint.Sum, 9);
        Assert.Equal(0.2, histogramPoint.Min);
        Assert.Equal(3.0, histogramPoint.Max);
        Assert.Equal(histogramPoint.ExplicitBounds.Count + 1, histogramPoint.BucketCounts.Count);
        Assert.Equal(2UL, histogramPoint.BucketCounts.Aggregate(0UL, (a, b) => a + b));

        var (_, queue) = Assert.Single(receiver.MetricsNamed("sigwatch.test.queue"));
        var gaugePoint = Assert.Single(queue.Gauge.DataPoints);
        Assert.Equal(4, gaugePoint.AsInt);
        Assert.Equal("main", OtlpReceiver.Attributes(gaugePoint.Attributes)["queue"]);

        var scope = receiver.Metrics.Single().ResourceMetrics.Single().ScopeMetrics.Single().Scope;
        Assert.Equal((meterName, "1.2.3"), (scope.Name, scope.Version));
        Assert.Equal("Bearer m", receiver.LastMetricsHeaders!["authorization"]);
    }

    /// <summary>
    /// The SDK's documentation of OtlpExporterOptions.Endpoint: with HttpProtobuf, /v1/{signal} is appended only to the
    /// default endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT); an Endpoint set in code is the full URL. Given the base, the
    /// exporter posts to "/" and the receiver answers 404.
    /// </summary>
    [Fact]
    public async Task HttpProtobufEndpointSetInCode_IsPostedToAsItIs_WithoutTheSignalPath()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var exporter = new RecordingExporter<SdkLogRecord>(
            new OtlpLogExporter(new OtlpExporterOptions { Endpoint = new Uri(receiver.HttpEndpoint), Protocol = OtlpExportProtocol.HttpProtobuf }));
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddProcessor(new SimpleLogRecordExportProcessor(exporter)))))
        {
            factory.CreateLogger("SigWatch.Tests.Otlp").LogInformation("Lost");
        }

        Assert.Equal(ExportResult.Failure, exporter.Last.Result);
        Assert.Empty(receiver.Received);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_FailsPromptlyWhileTheReceiverIsStopped_AndArrivesAfterARestartOnTheSamePorts(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var (grpcPort, httpPort) = (receiver.GrpcPort, receiver.HttpPort);

        // A simple processor exports inline on the logging thread, so each Export's result and duration are seen here.
        var exporter = new RecordingExporter<SdkLogRecord>(
            new OtlpLogExporter(new OtlpExporterOptions { Endpoint = new Uri(LogsEndpoint(receiver, protocol)), Protocol = protocol }));
        using var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddProcessor(new SimpleLogRecordExportProcessor(exporter))));
        var logger = factory.CreateLogger("SigWatch.Tests.Otlp");

        logger.LogInformation("Phase {Phase}", "before");
        Assert.Equal(ExportResult.Success, exporter.Last.Result);

        var stopping = Stopwatch.StartNew();
        await receiver.StopAsync();
        var stopTook = stopping.Elapsed;
        var sinceStop = Stopwatch.StartNew();
        logger.LogInformation("Phase {Phase}", "stopped");
        var failedAfter = sinceStop.Elapsed;
        var failed = exporter.Last;
        logger.LogInformation("Phase {Phase}", "stopped again");
        var second = exporter.Last;
        output.WriteLine($"{protocol}: StopAsync took {stopTook.TotalMilliseconds:0.0} ms; the first export after it returned {failed.Result} " +
            $"in {failed.Took.TotalMilliseconds:0.0} ms ({failedAfter.TotalMilliseconds:0.0} ms after the stop), the second {second.Result} " +
            $"in {second.Took.TotalMilliseconds:0.0} ms.");
        Assert.Equal(ExportResult.Failure, failed.Result);
        Assert.Equal(ExportResult.Failure, second.Result);

        // Refused at once, not held until the exporter's 10 s timeout (and not retried: in-memory retry is opt-in).
        Assert.True(failed.Took < TimeSpan.FromSeconds(5), $"The failed export took {failed.Took}.");

        await receiver.RestartAsync();
        Assert.Equal((grpcPort, httpPort), (receiver.GrpcPort, receiver.HttpPort));
        logger.LogInformation("Phase {Phase}", "after");
        Assert.Equal(ExportResult.Success, exporter.Last.Result);

        var phases = receiver.LogRecords().Select(r => OtlpReceiver.Attributes(r.Record.Attributes)["Phase"]).ToList();
        Assert.Equal(["before", "after"], phases);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Reject_RefusesExportsAsRetryable_AndTheSdkDoesNotRetryByDefault(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var rejecting = true;
        receiver.Reject = () => Volatile.Read(ref rejecting);
        var exporter = new RecordingExporter<SdkLogRecord>(
            new OtlpLogExporter(new OtlpExporterOptions { Endpoint = new Uri(LogsEndpoint(receiver, protocol)), Protocol = protocol }));
        using var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddProcessor(new SimpleLogRecordExportProcessor(exporter))));
        var logger = factory.CreateLogger("SigWatch.Tests.Otlp");

        logger.LogInformation("Refused");
        Assert.Equal(ExportResult.Failure, exporter.Last.Result);
        Assert.Equal(1, receiver.RejectedCount);
        Assert.Empty(receiver.Received);

        Volatile.Write(ref rejecting, false);
        logger.LogInformation("Accepted");
        Assert.Equal(ExportResult.Success, exporter.Last.Result);
        Assert.Equal("Accepted", OtlpReceiver.ToObject(Assert.Single(receiver.LogRecords()).Record.Body));
    }

    [Fact]
    public async Task HttpReceiver_AnswersTheEmptyResponseAsProtobuf_And415ToOtherContentTypes()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var http = new HttpClient();

        using var json = new StringContent("{}", new MediaTypeHeaderValue("application/json"));
        using var refused = await http.PostAsync(receiver.HttpLogsUrl, json);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);

        using var protobuf = new ByteArrayContent(new ExportLogsServiceRequest().ToByteArray());
        protobuf.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var accepted = await http.PostAsync(receiver.HttpLogsUrl, protobuf);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("application/x-protobuf", accepted.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await accepted.Content.ReadAsByteArrayAsync());
        Assert.Single(receiver.Logs);
    }

    [Fact]
    public async Task WaitFor_TimesOutSayingWhatArrived()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddOtlpExporter(e => e.Endpoint = new Uri(receiver.GrpcEndpoint)))))
        {
            factory.CreateLogger("SigWatch.Tests.Otlp").LogInformation("Only {Thing}", "this");
        }

        await receiver.WaitForAsync(r => r.LogRecords().Any(), s_wait);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => receiver.WaitForAsync(r => r.MetricsNamed("none").Any(), TimeSpan.FromMilliseconds(200)));
        Assert.Contains("Logs over Grpc", timeout.Message);
        Assert.Contains("Thing=\"this\"", timeout.Message);
    }

    private static string LogsEndpoint(OtlpReceiver receiver, OtlpExportProtocol protocol) =>
        protocol == OtlpExportProtocol.Grpc ? receiver.GrpcEndpoint : receiver.HttpLogsUrl;

    /// <summary>Passes each batch to the real exporter and keeps what its Export returned and how long it took.</summary>
    private sealed class RecordingExporter<T>(BaseExporter<T> inner) : BaseExporter<T>
        where T : class
    {
        private readonly Lock _gate = new();
        private (ExportResult Result, TimeSpan Took) _last = (ExportResult.Failure, TimeSpan.Zero);

        public (ExportResult Result, TimeSpan Took) Last
        {
            get
            {
                lock (_gate)
                {
                    return _last;
                }
            }
        }

        public override ExportResult Export(in Batch<T> batch)
        {
            var clock = Stopwatch.StartNew();
            var result = inner.Export(batch);
            lock (_gate)
            {
                _last = (result, clock.Elapsed);
            }

            return result;
        }

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
}
