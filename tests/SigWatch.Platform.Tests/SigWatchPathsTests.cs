namespace SigWatch.Platform.Tests;

public sealed class SigWatchPathsTests
{
    [Fact]
    public void ForUser_UsesXdgDirectoriesWhenSet()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u", ["XDG_STATE_HOME"] = "/xs", ["XDG_RUNTIME_DIR"] = "/run/user/1000" };
        var paths = SigWatchPaths.ForUser(1000, n => env.GetValueOrDefault(n));
        if (!OperatingSystem.IsMacOS())
        {
            Assert.Equal("/xs/sigwatch", paths.StateDirectory);
        }

        Assert.Equal("/run/user/1000/sigwatch/sigwatchd.sock", paths.SocketPath);
        Assert.Equal(["/home/u/Downloads"], paths.DefaultRoots);
    }

    [Fact]
    public void ForUser_NoRuntimeDir_FallsBackToAPerUidTempDirectory()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u" };
        var paths = SigWatchPaths.ForUser(1234, n => env.GetValueOrDefault(n));
        Assert.Equal(Path.Combine(Path.GetTempPath(), "sigwatch-1234", "sigwatchd.sock"), paths.SocketPath);
        if (!OperatingSystem.IsMacOS())
        {
            Assert.Equal("/home/u/.local/state/sigwatch", paths.StateDirectory);
        }
    }

    [Fact]
    public void ForRoot_UsesSystemLocations()
    {
        var paths = SigWatchPaths.ForRoot();
        Assert.Contains("/Applications", paths.DefaultRoots);
        Assert.True(Path.IsPathRooted(paths.SocketPath));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(paths.SocketPath) < 104);
    }
}
