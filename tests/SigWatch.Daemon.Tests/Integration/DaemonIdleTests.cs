using System.Text.RegularExpressions;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>What the daemon does between bursts of work: it gives memory back once per burst and then sleeps.</summary>
public sealed partial class DaemonIdleTests
{
    [Fact]
    public async Task Daemon_AfterEachBurstOfAssessments_GivesMemoryBackOnce_AndNotAgainWhileIdle()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir,
            new DaemonStart { QuietWindowSeconds = 0.2, Roots = [root], Arguments = ["--log-level", "Debug"] });

        // Start-up (the empty root's reconciliation) is the first burst.
        await WaitForTrimsAsync(daemon, 1);

        for (var i = 0; i < 20; i++)
        {
            AppTree.Create(Path.Combine(root, $"App{i}.app"), $"com.example.app{i}");
        }

        using var settled = await daemon.PollJsonAsync(["status"], j => j.GetProperty("bundleCount").GetInt32() == 20 && j.GetProperty("pendingAssessments").GetInt32() == 0,
            TimeSpan.FromSeconds(60));
        await WaitForTrimsAsync(daemon, 2);

        // Idle: two more quiet windows of the trim pass without another collection (it is not on a timer).
        await Task.Delay(Hosting.IdleMemoryTrim.Quiet * 2);
        Assert.Equal(2, Trims(daemon.Output));
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static async Task WaitForTrimsAsync(DaemonProcess daemon, int count)
    {
        var deadline = DateTime.UtcNow + Hosting.IdleMemoryTrim.Quiet + TimeSpan.FromSeconds(30);
        while (Trims(daemon.Output) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no memory trim number {count} within the quiet window and 30 s:\n{daemon.Output}");
            await Task.Delay(100);
        }

        Assert.Equal(count, Trims(daemon.Output));
    }

    private static int Trims(string output) => TrimLine().Count(output);

    // On glibc the C heap is asked each time too (NotSupported would mean malloc_trim was never called).
    [GeneratedRegex(@"Work ended: gave memory back in [0-9.]+ ms, working set [0-9]+ -> [0-9]+ MB \(C heap: (Released|NothingToRelease)\)")]
    private static partial Regex TrimLine();
}
