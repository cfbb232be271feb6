using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Configuration;

/// <summary>What the shipped service definitions promise about the daemon's private files (issue 14).</summary>
public sealed class ShippedServiceFilesTests
{
    [Fact]
    public void SystemdUnit_CreatesStateAndLogDirectoriesPrivate()
    {
        var unit = File.ReadAllLines(Path.Combine(RepoPaths.Root, "packaging", "linux", "sigwatchd.service"));
        // systemd's default for StateDirectory=/LogsDirectory= is 0755: every user could read the database and logs.
        Assert.Contains("StateDirectoryMode=0700", unit);
        Assert.Contains("LogsDirectoryMode=0700", unit);
        Assert.Contains("UMask=0077", unit);
        // "Started" means the socket is bound (sigwatchd sends READY=1 through Microsoft.Extensions.Hosting.Systemd).
        Assert.Contains("Type=notify", unit);
        Assert.Contains("ExecStart=/usr/sbin/sigwatchd", unit);
        Assert.Contains("CapabilityBoundingSet=CAP_DAC_READ_SEARCH", unit);
        Assert.Contains("ProtectSystem=strict", unit);
        Assert.Contains("ProtectHome=read-only", unit);
    }

    [Fact]
    public void AgentDefinitions_RunSigwatchAgentPerUser()
    {
        var plist = (PlistDictionary)PropertyList.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "launchd", "org.sigwatch.agent.plist")));
        Assert.Equal("org.sigwatch.agent", plist.GetString("Label"));
        Assert.Equal(["/Library/Application Support/SigWatch/bin/sigwatch/sigwatch", "agent", "--log-file", "~/Library/Logs/SigWatch/agent.log"],
            plist.GetArray("ProgramArguments")!.Select(v => ((PlistString)v).Value));
        Assert.Equal("Aqua", plist.GetString("LimitLoadToSessionType"));

        var unit = File.ReadAllLines(Path.Combine(RepoPaths.Root, "packaging", "linux", "sigwatch-agent.service"));
        Assert.Contains("ExecStart=/usr/bin/sigwatch agent", unit);
        Assert.Contains("WantedBy=graphical-session.target", unit);
    }

    [Fact]
    public void LaunchDaemon_RunsWithAPrivateUmask()
    {
        var plist = (PlistDictionary)PropertyList.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "launchd", "org.sigwatch.daemon.plist")));
        Assert.Equal(Convert.ToInt64("077", 8), plist.GetInt64("Umask"));
    }
}
