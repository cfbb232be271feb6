using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>How the real daemon and CLI processes start, refuse, and fail.</summary>
public sealed class DaemonStartupTests
{
    [Fact]
    public async Task Daemon_StaleSocketFromACrash_IsRemovedAndReplaced()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        // A daemon killed with SIGKILL cannot unlink its socket: exactly what a crash leaves behind.
        await using (var crashed = await DaemonProcess.StartAsync(dir, 0.3, root))
        {
            crashed.Kill();
        }

        var socketPath = dir.Combine("run", "d.sock");
        Assert.True(File.Exists(socketPath));
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        var status = await daemon.CliAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task Daemon_RegularFileAtSocketPath_RefusesToStartAndLeavesTheFile()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        Directory.CreateDirectory(dir.Combine("run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socketPath = dir.Combine("run", "d.sock");
        await File.WriteAllTextAsync(socketPath, "precious");

        var (exit, output) = await RunDaemonToExitAsync(dir, ["--root", root, "--state-dir", dir.Combine("state"), "--socket", socketPath]);
        Assert.Equal(1, exit);
        Assert.Contains("not a socket", output, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(socketPath));
    }

    [Fact]
    public async Task Daemon_SymlinkAtSocketPath_IsNeitherFollowedNorRemoved()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        Directory.CreateDirectory(dir.Combine("run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var victim = dir.Combine("victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        var socketPath = dir.Combine("run", "d.sock");
        File.CreateSymbolicLink(socketPath, victim);

        var (exit, output) = await RunDaemonToExitAsync(dir, ["--root", root, "--state-dir", dir.Combine("state"), "--socket", socketPath]);
        Assert.Equal(1, exit);
        Assert.Contains("symlink", output, StringComparison.Ordinal);
        Assert.Equal(victim, new FileInfo(socketPath).LinkTarget);
        Assert.Equal("keep me", await File.ReadAllTextAsync(victim));
    }

    [Fact]
    public async Task Daemon_SecondInstanceOnSameSocket_RefusesToStart()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var first = await DaemonProcess.StartAsync(dir, 0.3, root);

        var (exit, output) = await RunDaemonToExitAsync(dir, ["--root", root, "--state-dir", dir.Combine("state2"), "--socket", first.Socket]);
        Assert.Equal(1, exit);
        Assert.Contains("already listening", output, StringComparison.Ordinal);
        var status = await first.CliAsync("status");
        Assert.True(status.ExitCode == 0, "the first daemon keeps serving: " + status);
        Assert.Equal(0, await first.TerminateAsync());
    }

    [Fact]
    public async Task Daemon_Version_PrintsVersionCommitAndRuntime_AndExitsZero()
    {
        using var dir = new TempDirectory();
        var (exit, output) = await RunDaemonToExitAsync(dir, ["--version"]);
        Assert.Equal(0, exit);
        Assert.Matches(@"^sigwatchd \d+\.\d+\.\d+\S* \(\.NET 10\.", output);
        Assert.False(Directory.Exists(dir.Combine("logs")), "--version starts nothing");
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--quiet-window", "soon")]
    [InlineData("--root")]
    [InlineData("--quiet-window", "-1")]
    public async Task Daemon_BadCommandLine_ExitsTwoWithTheReason(params string[] args)
    {
        using var dir = new TempDirectory();
        var (exit, output) = await RunDaemonToExitAsync(dir, [.. args, "--state-dir", dir.Combine("s"), "--socket", dir.Combine("r", "d.sock")]);
        Assert.Equal(2, exit);
        Assert.Contains("sigwatchd:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_NoDaemon_ExitsThreeNamingTheSocketAndHowToStartIt()
    {
        using var dir = new TempDirectory();
        var socket = dir.Combine("nobody-listens.sock");
        var result = await Programs.RunCliAsync(["status", "--socket", socket]);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains(socket, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project src/SigWatch.Daemon", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_SocketItCannotOpen_ExitsFourPermissionDenied()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);

        CliResult result;
        if (Platform.ProcessIdentity.IsRoot)
        {
            // Root bypasses file permissions, so ask as an unprivileged user: a root daemon's socket
            // is open to all and the peer policy refuses uid 65534 with PERMISSION_DENIED.
            result = await OtherUser.Nobody.RunCliAsync(["status", "--socket", daemon.Socket]);
        }
        else
        {
            File.SetUnixFileMode(Path.GetDirectoryName(daemon.Socket)!, UnixFileMode.None);
            try
            {
                result = await daemon.CliAsync("status");
            }
            finally
            {
                File.SetUnixFileMode(Path.GetDirectoryName(daemon.Socket)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("permission denied", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [RootFact]
    public async Task Daemon_AsRootWithAllowedUser_AdmitsThatUserThroughThePeerPolicy()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var socket = dir.Combine("run", "d.sock");
        var info = Programs.StartInfo(Programs.Daemon, ["--root", root, "--state-dir", dir.Combine("state"), "--log-dir", dir.Combine("logs"), "--socket", socket, "--allow-user", "65534"]);
        using var process = Process.Start(info)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(socket) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await Task.Delay(300);
            var result = await OtherUser.Nobody.RunCliAsync(["status", "--socket", socket]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("sigwatchd", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Daemon_ServesHealthAndReflection_ForGrpcurl()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        using var channel = TestChannel.For(daemon.Socket);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("sigwatch.v1.SigWatch", services);
        Assert.Contains("sigwatch.v1.SigWatchControl", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    /// <summary>Runs sigwatchd with its logs in <paramref name="dir"/>: as root the default is the machine's /var/log/sigwatch.</summary>
    private static async Task<(int Exit, string Output)> RunDaemonToExitAsync(TempDirectory dir, IEnumerable<string> args)
    {
        using var process = Process.Start(Programs.StartInfo(Programs.Daemon, [.. args, "--log-dir", dir.Combine("logs")]))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
