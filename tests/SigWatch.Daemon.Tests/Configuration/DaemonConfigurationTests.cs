using SigWatch.Core.Plist;
using SigWatch.Daemon.Configuration;
using SigWatch.Platform;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Configuration;

public sealed class DaemonConfigurationTests
{
    private static readonly SigWatchPaths s_defaults = new("/def/state", "/def/run/d.sock", "/def/logs", null, ["/def/Downloads"]);

    private static DaemonOptions Build(string[] args, Dictionary<string, string?>? env = null) =>
        DaemonConfiguration.Build(DaemonCommandLine.Parse(args), s_defaults, name => env?.GetValueOrDefault(name));

    [Fact]
    public void Build_NothingGiven_UsesDefaults()
    {
        var options = Build([]);
        Assert.Equal(["/def/Downloads"], options.Roots);
        Assert.Equal("/def/state", options.StateDir);
        Assert.Equal("/def/run/d.sock", options.Socket);
        Assert.Equal(2.0, options.QuietWindowSeconds);
    }

    [Fact]
    public void Build_Layers_FileOverDefaults_EnvironmentOverFile_CommandLineOverAll()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("c.json");
        File.WriteAllText(config, """{ "StateDir": "/file/state", "Socket": "/file/s.sock", "QuietWindowSeconds": 5, "Roots": ["/file/a", "/file/b"] }""");

        var fileOnly = Build(["--config", config]);
        Assert.Equal("/file/state", fileOnly.StateDir);
        Assert.Equal(5, fileOnly.QuietWindowSeconds);
        Assert.Equal(["/file/a", "/file/b"], fileOnly.Roots);

        var env = new Dictionary<string, string?> { ["SIGWATCH_ROOTS"] = "/env/x:/env/y" };
        var withEnv = Build(["--config", config], env);
        Assert.Equal(["/env/x", "/env/y"], withEnv.Roots);

        var all = Build(["--config", config, "--state-dir", "/cli/state", "--quiet-window", "0.5", "--root", "/cli/one"], env);
        Assert.Equal("/cli/state", all.StateDir);
        Assert.Equal("/file/s.sock", all.Socket);
        Assert.Equal(0.5, all.QuietWindowSeconds);
        // The list is replaced whole by the highest layer that names roots, never merged by index.
        Assert.Equal(["/cli/one"], all.Roots);
    }

    [Fact]
    public void Build_PlistConfigAndManagedPreferences_ManagedOverridesSystem()
    {
        using var dir = new TempDirectory();
        var system = dir.Combine("org.sigwatch.daemon.plist");
        var managed = dir.Combine("managed.plist");
        File.WriteAllBytes(system, XmlPropertyListWriter.Write(new PlistDictionary([
            new("QuietWindowSeconds", new PlistReal(4)),
            new("LogLevel", new PlistString("Debug")),
            new("Roots", new PlistArray(new PlistString("/sys/a"), new PlistString("/sys/b"))),
        ])));
        File.WriteAllBytes(managed, BinaryPropertyListWriter.Write(new PlistDictionary([
            new("QuietWindowSeconds", new PlistInteger(9)),
            new("Roots", new PlistArray(new PlistString("/mdm/only"))),
        ])));
        var defaults = s_defaults with { SystemConfigFile = system, ManagedConfigFile = managed };

        var options = DaemonConfiguration.Build(DaemonCommandLine.Parse([]), defaults, _ => null);
        Assert.Equal(9, options.QuietWindowSeconds);
        Assert.Equal("Debug", options.LogLevel);
        Assert.Equal(["/mdm/only"], options.Roots);
    }

    [Fact]
    public void Build_DamagedPlistConfig_IsAUsageErrorNamingTheFile()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("bad.plist");
        File.WriteAllText(config, "<plist><dict><key>Roots</key></dict></plist>");
        var e = Assert.Throws<UsageException>(() => Build(["--config", config]));
        Assert.Contains("bad.plist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RepeatedRoot_KeepsEveryRootInOrder()
    {
        var options = Build(["--root", "/a", "--root=/b", "--root", "/c/"]);
        Assert.Equal(["/a", "/b", "/c"], options.Roots);
    }

    [Theory]
    [InlineData("--nope")]
    [InlineData("--socket")]
    [InlineData("--quiet-window", "fast")]
    public void Parse_BadArguments_ThrowUsageException(params string[] args) =>
        Assert.Throws<UsageException>(() => DaemonCommandLine.Parse(args));

    [Fact]
    public void Build_MissingConfigFile_IsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Build(["--config", "/no/such/sigwatch.json"]));
        Assert.Contains("/no/such/sigwatch.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SocketPathTooLongForSunPath_IsReported()
    {
        var options = Build(["--socket", "/" + new string('s', 120)]);
        Assert.Contains(options.Validate(), p => p.Contains("too long", StringComparison.Ordinal));
    }
}

public sealed class FleetConfigurationTests
{
    private static readonly SigWatchPaths s_defaults = new("/def/state", "/def/run/d.sock", "/def/logs", null, ["/def/Downloads"]);

    private static DaemonOptions Build(params string[] args) =>
        DaemonConfiguration.Build(DaemonCommandLine.Parse(args), s_defaults, _ => null);

    [Fact]
    public void EventLog_ByDefault_IsOnInTheLogDirectory_AndOtlpIsOff()
    {
        var options = Build();
        Assert.True(options.EventLog.Enabled);
        Assert.Equal("/def/logs/events.ndjson", options.EventLog.Path);
        Assert.False(options.Otlp.Enabled);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void CommandLine_SetsTheEventLogAndTheExporter()
    {
        var options = Build("--event-log", "/elsewhere/e.ndjson", "--otlp-endpoint", "https://otel:4318", "--otlp-protocol", "http/protobuf");
        Assert.Equal("/elsewhere/e.ndjson", options.EventLog.Path);
        Assert.True(options.Otlp.Enabled);
        Assert.False(options.Otlp.IsGrpc);
        Assert.False(Build("--no-event-log").EventLog.Enabled);
    }

    [Fact]
    public void JsonConfig_NestedSections_AndHeadersAsADictionary()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("c.json");
        File.WriteAllText(config, """
            { "EventLog": { "RetainFiles": 3, "IncludeAssessments": true },
              "Otlp": { "Endpoint": "http://otel:4317", "Headers": { "authorization": "Bearer x", "x-tenant": "a" }, "MaxBacklog": 5 } }
            """);
        var options = Build("--config", config);
        Assert.Equal(3, options.EventLog.RetainFiles);
        Assert.True(options.EventLog.IncludeAssessments);
        Assert.Equal("Bearer x", options.Otlp.Headers["authorization"]);
        Assert.Equal("a", options.Otlp.Headers["x-tenant"]);
        Assert.Equal(5, options.Otlp.MaxBacklog);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("ftp://otel:4317", "grpc", "is not an http:// or https:// URL")]
    [InlineData("http://otel:4317", "thrift", "is not grpc or http/protobuf")]
    public void Otlp_BadEndpointOrProtocol_IsAProblemNamingIt(string endpoint, string protocol, string expected)
    {
        var options = Build("--otlp-endpoint", endpoint, "--otlp-protocol", protocol);
        Assert.Contains(options.Validate(), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Otlp_ClientCertificateWithoutKey_AndAMissingCaFile_AreProblems()
    {
        using var dir = new TempDirectory();
        var certificate = dir.Combine("client.pem");
        File.WriteAllText(certificate, "-");
        var options = Build("--otlp-endpoint", "https://otel:4317");
        options.Otlp.ClientCertificate = certificate;
        options.Otlp.CaCertificate = dir.Combine("missing-ca.pem");
        var problems = options.Validate();
        Assert.Contains(problems, p => p.Contains("client certificate and client key go together", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("missing-ca.pem' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void EventLog_RetainNoFiles_IsAProblem()
    {
        var options = Build();
        options.EventLog.RetainFiles = 0;
        Assert.Contains(options.Validate(), p => p.Contains("event log retained files 0", StringComparison.Ordinal));
    }

    [Fact]
    public void KeptState_DefaultsToHalfAMillionFiles_TheCommandLineSetsIt_AndANegativeCountIsAProblem()
    {
        Assert.Equal(500_000, Build().KeptStateMaxFiles);
        Assert.Equal(0, Build("--kept-state-files", "0").KeptStateMaxFiles);
        var options = Build("--kept-state-files", "-1");
        Assert.Contains(options.Validate(), p => p.Contains("kept state for -1 files is out of range", StringComparison.Ordinal));
    }
}
