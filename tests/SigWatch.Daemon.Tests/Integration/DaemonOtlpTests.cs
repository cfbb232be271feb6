using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OpenTelemetry.Proto.Logs.V1;
using SigWatch.Daemon.Tests.Otlp;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>The OTLP export through the real daemon to a real OTLP receiver (gRPC and HTTP/protobuf).</summary>
public sealed class DaemonOtlpTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    private static DaemonStart Start(string root, string endpoint, string protocol, params (string Key, string Value)[] settings) => new()
    {
        QuietWindowSeconds = 0.3,
        Roots = [root],
        Arguments = ["--otlp-endpoint", endpoint, "--otlp-protocol", protocol],
        Environment = new Dictionary<string, string>(settings.Select(s => new KeyValuePair<string, string>("SIGWATCH_Otlp__" + s.Key, s.Value)))
        {
            ["SIGWATCH_Otlp__Headers__authorization"] = "Bearer t0ken",
            ["SIGWATCH_Otlp__MetricsIntervalSeconds"] = "1",
            ["SIGWATCH_Otlp__MaxRetryDelaySeconds"] = "1",
            ["SIGWATCH_Otlp__TimeoutSeconds"] = "5",
        },
    };

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task EventsAndMetrics_ArriveAtTheCollectorWithTheirAttributes(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var dir = new TempDirectory("otlp");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Sealed.app").WithFile("Resources/license.txt", "MIT").Build(staging);
        var endpoint = protocol == "grpc" ? receiver.GrpcEndpoint : receiver.HttpEndpoint;
        await using var daemon = await DaemonProcess.StartAsync(dir, Start(root, endpoint, protocol));
        var app = Path.Combine(root, "Sealed.app");
        Directory.Move(built, app);
        await DaemonEventLogTests.WaitForEventAsync(daemon, "bundle-appeared");
        await File.WriteAllTextAsync(Path.Combine(app, "Contents", "Resources", "license.key"), "ABCD-1234");
        var broken = await DaemonEventLogTests.WaitForEventAsync(daemon, "seal-broken");

        await receiver.WaitForAsync(r => r.LogRecords().Any(l => EventId(l.Record) == broken), s_wait);
        var (resource, record) = receiver.LogRecords().Single(l => EventId(l.Record) == broken);
        var resourceAttributes = OtlpReceiver.Attributes(resource.Attributes);
        Assert.True(resourceAttributes.ContainsKey("service.name"), "resource: " + string.Join(", ", resourceAttributes.Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal("sigwatchd", resourceAttributes["service.name"]);
        Assert.NotNull(resourceAttributes["service.version"]);
        Assert.Equal(Environment.MachineName, resourceAttributes["host.name"]);
        Assert.Equal("linux", resourceAttributes["os.type"]);
        if (File.Exists("/etc/machine-id"))
        {
            Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), resourceAttributes["host.id"]);
        }

        var attributes = OtlpReceiver.Attributes(record.Attributes);
        Assert.Equal(app, attributes["file.path"]);
        Assert.Equal("Sealed.app", attributes["file.name"]);
        Assert.Equal("seal-broken", attributes["event.action"]);
        Assert.Equal("com.example.sealed", attributes["package.name"]);
        Assert.Equal(false, attributes["file.code_signature.valid"]);
        Assert.Equal("file-added", attributes["file.code_signature.status"]);
        Assert.Equal("invalid", attributes["sigwatch.verdict"]);
        Assert.Equal("critical", attributes["sigwatch.severity"]);
        Assert.Contains("Resources/license.key", (string)attributes["sigwatch.findings"]!, StringComparison.Ordinal);
        Assert.Equal("sigwatch.seal-broken", record.EventName);
        Assert.Equal(SeverityNumber.Error, record.SeverityNumber);
        Assert.Contains("Resources/license.key", record.Body.StringValue, StringComparison.Ordinal);
        Assert.DoesNotContain("{OriginalFormat}", attributes.Keys);
        Assert.False(attributes.ContainsKey("host.name"), "host.* belongs to the resource");
        // The record's time is the event's commit time, not the export's.
        using (var events = await daemon.PollJsonAsync(["events"], _ => true, s_wait))
        {
            var time = DaemonEndToEndTests.Events(events.RootElement).Single(e => e.GetProperty("id").GetInt64() == broken).GetProperty("time").GetDateTimeOffset();
            Assert.Equal((ulong)time.ToUnixTimeMilliseconds() * 1_000_000UL, record.TimeUnixNano);
        }

        Assert.Equal("Bearer t0ken", receiver.LastLogsHeaders!["authorization"]);
        Assert.All(receiver.Received, r => Assert.Equal(protocol == "grpc" ? OtlpTransport.Grpc : OtlpTransport.HttpProtobuf, r.Transport));

        // Metrics: events by kind and severity, bundles by verdict, assessment durations, queue depth.
        await receiver.WaitForAsync(r => r.MetricsNamed("sigwatch.events").Any(m => m.Metric.Sum.DataPoints.Any(p =>
            OtlpReceiver.Attributes(p.Attributes).GetValueOrDefault("sigwatch.event.kind") as string == "seal-broken")), s_wait);
        await receiver.WaitForAsync(r => r.MetricsNamed("sigwatch.bundles").Any(m => m.Metric.Gauge.DataPoints.Any(p =>
            OtlpReceiver.Attributes(p.Attributes).GetValueOrDefault("sigwatch.verdict") as string == "invalid" && p.AsInt == 1)), s_wait);
        await receiver.WaitForAsync(r => r.MetricsNamed("sigwatch.assessment.duration").Any(m => m.Metric.Histogram.DataPoints.Any(p => p.Count >= 2)), s_wait);
        await receiver.WaitForAsync(r => r.MetricsNamed("sigwatch.queue.depth").Any(), s_wait);
        Assert.Equal("Bearer t0ken", receiver.LastMetricsHeaders!["authorization"]);

        using var status = await daemon.PollJsonAsync(["status"], j => j.GetProperty("otlp").GetProperty("lastEventId").GetInt64() >= broken, s_wait);
        var otlp = status.RootElement.GetProperty("otlp");
        Assert.Equal("connected", otlp.GetProperty("state").GetString());
        Assert.Equal(protocol, otlp.GetProperty("protocol").GetString());
        Assert.Equal(0, otlp.GetProperty("droppedEvents").GetInt64());
        Assert.True(otlp.GetProperty("metricExports").GetInt64() > 0);
        Assert.Equal(JsonValueKind.String, otlp.GetProperty("lastSuccessAt").ValueKind);
    }

    [Fact]
    public async Task CollectorDown_DaemonKeepsAssessing_AndDeliversTheBacklogUpToItsBoundWhenItReturns()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await receiver.StopAsync();
        using var dir = new TempDirectory("otlpdown");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, Start(root, receiver.GrpcEndpoint, "grpc", ("MaxBacklog", "3")));
        for (var i = 0; i < 5; i++)
        {
            AppTree.Create(Path.Combine(root, $"Down{i}.app"), $"com.example.down{i}");
        }

        // Assessment goes on while nothing can be delivered.
        using (var status = await daemon.PollJsonAsync(["status"],
            j => j.GetProperty("lastEventId").GetInt64() == 5 && j.GetProperty("otlp").GetProperty("state").GetString() == "failing", s_wait))
        {
            var otlp = status.RootElement.GetProperty("otlp");
            Assert.Equal(0, otlp.GetProperty("exportedEvents").GetInt64());
            // The SDK's own reason, not a generic "failed".
            Assert.Contains("Connection refused", otlp.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        }

        var text = await daemon.CliAsync("status");
        Assert.Contains("FAILING", text.Stdout, StringComparison.Ordinal);

        await receiver.RestartAsync();
        await receiver.WaitForAsync(r => r.LogRecords().Select(l => EventId(l.Record)).Distinct().Count() >= 3, s_wait);
        using (var status = await daemon.PollJsonAsync(["status"], j => j.GetProperty("otlp").GetProperty("lastEventId").GetInt64() == 5, s_wait))
        {
            var otlp = status.RootElement.GetProperty("otlp");
            Assert.Equal("connected", otlp.GetProperty("state").GetString());
            Assert.Equal(2, otlp.GetProperty("droppedEvents").GetInt64());
            Assert.Equal(0, otlp.GetProperty("backlog").GetInt64());
            Assert.Equal(3, otlp.GetProperty("exportedEvents").GetInt64());
        }

        // The newest three (the backlog's bound); the two oldest were dropped and counted, and never sent. Delivery is at
        // least once (OtlpExportService): an attempt that outlives its deadline on a loaded machine is sent again whole,
        // and the Collector may then have both copies (seen in CI: 3, 4, 4, 5, 5), so each event is counted once here.
        Assert.Equal([3L, 4L, 5L], receiver.LogRecords().Select(l => EventId(l.Record)).Distinct().Order());
    }

    private static long? EventId(LogRecord record) =>
        OtlpReceiver.Attributes(record.Attributes).GetValueOrDefault("sigwatch.event_id") as long?;
}

/// <summary>The OTLP export over TLS to a Collector whose certificate comes from a private CA (Otlp:CaCertificate).</summary>
public sealed class DaemonOtlpTlsTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CollectorWithAPrivateCa_IsRefusedUntilTheCaIsConfigured_ThenReceivesTheEvents()
    {
        using var dir = new TempDirectory("otlptls");
        var (ca, server) = PrivateCa.Issue("127.0.0.1");
        var caPem = dir.Combine("otel-ca.pem");
        await File.WriteAllTextAsync(caPem, ca.ExportCertificatePem());
        await using var receiver = await OtlpReceiver.StartTlsAsync(server);
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        AppTree.Create(Path.Combine(root, "Tls.app"), "com.example.tls");
        var settings = new Dictionary<string, string>
        {
            ["SIGWATCH_Otlp__MaxRetryDelaySeconds"] = "1",
            ["SIGWATCH_Otlp__TimeoutSeconds"] = "5",
        };
        var start = new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root], Arguments = ["--otlp-endpoint", receiver.GrpcEndpoint], Environment = settings };

        // Without the CA the Collector's certificate is not trusted: nothing is delivered, and status says why.
        await using (var untrusting = await DaemonProcess.StartAsync(dir, start))
        {
            using var status = await untrusting.PollJsonAsync(["status"],
                j => j.GetProperty("lastEventId").GetInt64() == 1 && j.GetProperty("otlp").GetProperty("state").GetString() == "failing", s_wait);
            Assert.Contains("SSL", status.RootElement.GetProperty("otlp").GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.Empty(receiver.LogRecords());
            Assert.Equal(0, await untrusting.TerminateAsync());
        }

        settings["SIGWATCH_Otlp__CaCertificate"] = caPem;
        await using var trusting = await DaemonProcess.StartAsync(dir, start);
        await receiver.WaitForAsync(r => r.LogRecords().Any(), s_wait);
        var record = receiver.LogRecords().First().Record;
        Assert.Equal("sigwatch.bundle-appeared", record.EventName);
        Assert.Equal("Tls.app", OtlpReceiver.Attributes(record.Attributes)["file.name"]);
    }
}

/// <summary>A CA and a server certificate it issued, made in the test (nothing from the machine's trust store).</summary>
internal static class PrivateCa
{
    public static (X509Certificate2 Ca, X509Certificate2 Server) Issue(string ipAddress)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=SigWatch Test Collector CA", caKey,
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=collector", serverKey,
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Parse(ipAddress));
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(30), [1, 2, 3, 4]);
        // Through PKCS#12, so that the key is usable by SslStream on every platform.
        var server = X509CertificateLoader.LoadPkcs12(
            issued.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        return (ca, server);
    }
}
