using System.Diagnostics;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The Debian package (issue 16), built by packaging/linux/build-deb.sh, checked by lintian, installed on this
/// machine with dpkg, its daemon started with the unit's own ExecStart line (CI has no systemd as PID 1) and asked
/// by the installed CLI, then purged: the machine's files are as they were before.
/// </summary>
[Collection(PackagingCollection.Debian)]
public sealed class DebianPackageTests(DebianPackageBuild build) : IClassFixture<DebianPackageBuild>
{
    // Everywhere the package or its maintainer scripts write (deb-systemd-helper keeps its state in /var/lib/systemd);
    // of /run only the daemon's directory: the rest of /run belongs to whatever else runs beside the tests.
    private static readonly string[] Watched = ["/usr", "/etc", "/lib", "/var/lib", "/var/log", "/run/sigwatch"];

    [DebianPackageFact("lintian")]
    public async Task Lintian_AcceptsThePackageWithoutErrors()
    {
        var deb = await build.BuildAsync();
        var lintian = await ExternalProgram.RunAsync("lintian", ["--tag-display-limit", "0", deb], TimeSpan.FromMinutes(5));
        var errors = lintian.Stdout.Split('\n').Where(l => l.StartsWith("E: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "lintian errors:\n" + string.Join('\n', errors));
        // Exit 0 with warnings only (no manual pages yet); 1 would mean errors or a lintian failure.
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
    }

    [DebianPackageFact("dbus-daemon", root: true)]
    public async Task Package_InstallsRunsAnswersTheInstalledCliAndPurgesWithoutATrace()
    {
        var deb = await build.BuildAsync();
        var installed = await ExternalProgram.RunAsync("dpkg-query", ["-W", "-f", "${Status}", "sigwatch"], TimeSpan.FromSeconds(30));
        Assert.False(installed.Stdout.Contains("installed", StringComparison.Ordinal),
            "a sigwatch package is already installed on this machine; this test installs and purges its own");
        // The purge removes these: they must be the package's own, not another SigWatch's (or a test's that ran a
        // root daemon with the default paths).
        foreach (var own in new[] { "/var/lib/sigwatch", "/var/log/sigwatch", "/run/sigwatch" })
        {
            Assert.False(Path.Exists(own), $"{own} exists before the package is installed; its purge would remove it");
        }

        var before = await SnapshotAsync();
        try
        {
            await RunOkAsync("dpkg", ["-i", deb]);
            Assert.Equal("../lib/sigwatch/sigwatchd/sigwatchd", new FileInfo("/usr/sbin/sigwatchd").LinkTarget);
            Assert.Equal("../lib/sigwatch/sigwatch/sigwatch", new FileInfo("/usr/bin/sigwatch").LinkTarget);
            Assert.Contains("/etc/sigwatch/sigwatch.json", (await RunOkAsync("dpkg-query", ["-W", "-f", "${Conffiles}", "sigwatch"])).Stdout, StringComparison.Ordinal);
            // postinst enabled the unit without systemd running (deb-systemd-helper records it).
            Assert.True(File.Exists("/etc/systemd/system/multi-user.target.wants/sigwatchd.service"));

            await RunOkAsync("systemd-analyze", ["verify", "/lib/systemd/system/sigwatchd.service"]);
            await RunOkAsync("systemd-analyze", ["verify", "/usr/lib/systemd/user/sigwatch-agent.service"]);

            var unit = File.ReadAllLines("/lib/systemd/system/sigwatchd.service");
            Assert.Contains("Type=notify", unit);
            var execStart = unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..].Split(' ');
            using (var daemon = Process.Start(new ProcessStartInfo(execStart[0], execStart[1..]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                var output = daemon.StandardOutput.ReadToEndAsync();
                var errors = daemon.StandardError.ReadToEndAsync();
                try
                {
                    var status = await WaitForStatusAsync(daemon);
                    Assert.True(status.ExitCode == 0, status + "\n--- daemon\n" + (daemon.HasExited ? await output + await errors : "(running)"));
                    Assert.Contains("/run/sigwatch/sigwatchd.sock", status.Stdout, StringComparison.Ordinal);
                    Assert.Contains("/var/lib/sigwatch/sigwatch.db", status.Stdout, StringComparison.Ordinal);
                }
                finally
                {
                    if (!daemon.HasExited)
                    {
                        Process.Start("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
                    }

                    await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }

                Assert.True(daemon.ExitCode == 0, $"sigwatchd exited {daemon.ExitCode} on SIGTERM:\n{await output}{await errors}");
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode("/var/lib/sigwatch"));
            await InstalledBinariesAreNativeAotAndWorkAsync();
        }
        finally
        {
            await ExternalProgram.RunAsync("dpkg", ["--purge", "sigwatch"], TimeSpan.FromMinutes(2));
        }

        var after = await SnapshotAsync();
        Assert.Equal(before.Except(after, StringComparer.Ordinal), Array.Empty<string>());
        Assert.Equal(after.Except(before, StringComparer.Ordinal), Array.Empty<string>());
    }

    /// <summary>
    /// The package's sigwatchd and sigwatch are Native AOT (no runtime, no IL beside them), and what could break only
    /// under AOT works: for the CLI trimmed reflection, source-generated JSON, the gRPC client, the verifier's crypto and
    /// Tmds.DBus (a real Developer ID app verifies; the agent follows a daemon and posts through D-Bus); for the daemon
    /// configuration binding, Kestrel on a Unix socket, SQLite, the assessment, the event stream, the ECS event log and
    /// gRPC server reflection (whose descriptor lookup has a reflection fallback scripts/publish.sh lets through).
    /// </summary>
    private static async Task InstalledBinariesAreNativeAotAndWorkAsync()
    {
        const string Daemon = "/usr/lib/sigwatch/sigwatchd/sigwatchd";
        foreach (var (folder, dll) in new[] { ("/usr/lib/sigwatch/sigwatch", "sigwatch.dll"), ("/usr/lib/sigwatch/sigwatchd", "sigwatchd.dll") })
        {
            var files = Directory.GetFiles(folder).Select(Path.GetFileName).ToList();
            Assert.DoesNotContain(dll, files);
            Assert.DoesNotContain("libcoreclr.so", files);
        }

        using var dir = new TempDirectory();
        var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
        if (RepoPaths.HasRealFixtures)
        {
            var app = Path.Combine(applications, "DevSigned.app");
            TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.app"), app);
            var check = await RunOkAsync("/usr/bin/sigwatch", ["check", "--json", app]);
            using var json = System.Text.Json.JsonDocument.Parse(check.Stdout);
            Assert.Equal("valid", json.RootElement.GetProperty("verdict").GetString());
            Assert.Equal("developer-id", json.RootElement.GetProperty("signature").GetProperty("classification").GetString());
        }

        await using var bus = await Integration.SessionBus.StartAsync();
        await using var server = await Integration.RecordingNotificationServer.StartAsync(bus.Address);
        await using var collector = await Otlp.OtlpReceiver.StartAsync();
        await using var daemon = await Integration.DaemonProcess.StartAsync(dir, new Integration.DaemonStart
        {
            QuietWindowSeconds = 0.2, Roots = [applications], Executable = Daemon, Arguments = ["--otlp-endpoint", collector.GrpcEndpoint],
        });
        await using var agent = await Integration.AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), dir.Combine("unused"), dir.Combine("no-bin"),
            environment: new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address }, executable: "/usr/bin/sigwatch");
        Assert.Contains("with D-Bus org.freedesktop.Notifications on ", agent.Log, StringComparison.Ordinal);
        AppTree.Create(Path.Combine(applications, "Arrived.app"), "com.example.arrived");
        var notification = Assert.Single(await server.WaitForAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("Arrived.app arrived and does not verify", notification.Summary);

        var status = await RunOkAsync("/usr/bin/sigwatch", ["status", "--json", "--socket", daemon.Socket]);
        using (var json = System.Text.Json.JsonDocument.Parse(status.Stdout))
        {
            Assert.Equal(daemon.Pid, json.RootElement.GetProperty("pid").GetInt32());
        }

        var logged = await WaitForLineAsync(dir.Combine("logs", "events.ndjson"), "Arrived.app");
        Assert.Equal("sigwatch", logged.GetProperty("agent").GetProperty("name").GetString());
        Assert.Equal("bundle-appeared", logged.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal("com.example.arrived", logged.GetProperty("package").GetProperty("name").GetString());

        // OTLP from the first event on: the app that was there before the daemon started (its event is committed while
        // the exporter starts) and the one that arrived later.
        string[] exported = RepoPaths.HasRealFixtures ? ["DevSigned.app", "Arrived.app"] : ["Arrived.app"];
        await collector.WaitForAsync(c => exported.All(name => c.LogRecords().Any(r => Equals(Otlp.OtlpReceiver.Attributes(r.Record.Attributes)["file.name"] as string, name))),
            TimeSpan.FromSeconds(60));

        using var channel = Integration.TestChannel.For(daemon.Socket);
        using var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { FileContainingSymbol = "sigwatch.v1.SigWatch" });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotEmpty(reflection.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static async Task<System.Text.Json.JsonElement> WaitForLineAsync(string path, string containing)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.Contains(containing, StringComparison.Ordinal)) : null;
            if (line is not null)
            {
                return System.Text.Json.JsonDocument.Parse(line).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"no line naming {containing} in {path} within 30 s");
            await Task.Delay(100);
        }
    }

    private static async Task<CliResult> WaitForStatusAsync(Process daemon)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await ExternalProgram.RunAsync("/usr/bin/sigwatch", ["status"], TimeSpan.FromSeconds(30));
            if (status.ExitCode == 0 || daemon.HasExited || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<CliResult> RunOkAsync(string file, string[] args)
    {
        var result = await ExternalProgram.RunAsync(file, args, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>Every path under the directories a package touches, but for dpkg's and apt's own records and logs.</summary>
    private static async Task<IReadOnlyList<string>> SnapshotAsync()
    {
        var find = await ExternalProgram.RunAsync("find", [.. Watched, "-xdev"], TimeSpan.FromMinutes(2));
        return find.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("/var/lib/dpkg", StringComparison.Ordinal)
                && !p.StartsWith("/var/log/dpkg.log", StringComparison.Ordinal)
                && !p.StartsWith("/var/log/apt", StringComparison.Ordinal)
                && !p.StartsWith("/var/lib/apt", StringComparison.Ordinal))
            .ToList();
    }
}

/// <summary>One run of build-deb.sh (publish of linux-x64 included), made on first use and shared by a class's tests.</summary>
public sealed class DebianPackageBuild : IDisposable
{
    private readonly TempDirectory _out = new();
    private readonly Lazy<Task<string>> _deb;

    public DebianPackageBuild() => _deb = new(BuildOnceAsync);

    public Task<string> BuildAsync() => _deb.Value;

    private async Task<string> BuildOnceAsync()
    {
        var result = await ExternalProgram.RunAsync(
            Path.Combine(RepoPaths.Root, "packaging", "linux", "build-deb.sh"), ["--out", _out.Path], PackagingCollection.BuildTimeout);
        Assert.True(result.ExitCode == 0, "build-deb.sh failed:\n" + result);
        return Assert.Single(Directory.GetFiles(_out.Path, "*.deb"));
    }

    public void Dispose() => _out.Dispose();
}
