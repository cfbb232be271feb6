using System.Diagnostics;
using System.Text.Json;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>The daemon's state and logs on a 2 MB tmpfs that fills up: nothing is lost, nothing crashes.</summary>
public sealed class DaemonDiskFullTests
{
    [LinuxRootFact]
    public async Task StateOnAFullDisk_AssessmentsFailAndAreRetried_CompletedAfterSpaceIsFreed_ShutdownWithAFullLogDiskExitsZero()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var small = Directory.CreateDirectory(dir.Combine("small")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small);
        try
        {
            await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart
            {
                QuietWindowSeconds = 0.3,
                Roots = [root],
                StateDir = Path.Combine(small, "state"),
                Arguments = ["--log-dir", Path.Combine(small, "logs")],
            });
            var filler = Path.Combine(small, "filler");
            Fill(filler);

            for (var i = 0; i < 3; i++)
            {
                Directory.Move(new BundleBuilder($"Full{i}.app").WithFile("Resources/a.txt", $"{i}").Build(staging), Path.Combine(root, $"Full{i}.app"));
            }

            // The assessments fail for lack of space, are said so, and are retried; the daemon keeps serving.
            await WaitForAsync(() => daemon.Output.Contains("failed:", StringComparison.Ordinal) && daemon.Output.Contains("retried in", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => daemon.Output);
            Assert.Equal(0, (await daemon.CliAsync("status")).ExitCode);

            File.Delete(filler);
            using var listed = await daemon.PollJsonAsync(["list"], j => j.GetProperty("bundles").GetArrayLength() == 3, TimeSpan.FromSeconds(60));
            Assert.All(listed.RootElement.GetProperty("bundles").EnumerateArray(),
                b => Assert.Equal(JsonValueKind.Object, b.GetProperty("latest").ValueKind));

            Fill(filler); // the log disk is full when the daemon is told to stop
            Assert.Equal(0, await daemon.TerminateAsync());
        }
        finally
        {
            Run("umount", "-l", small);
        }
    }

    private static void Fill(string path)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        var chunk = new byte[16 * 1024];
        try
        {
            while (true)
            {
                stream.Write(chunk);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the file system is full.
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout}:\n{describe()}");
            }

            await Task.Delay(100);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {process.StandardError.ReadToEnd()}");
        }
    }
}
