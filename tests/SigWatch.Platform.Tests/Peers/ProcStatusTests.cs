using SigWatch.TestSupport;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Tests.Peers;

/// <summary>The identity lines of /proc/PID/status (proc(5)), from which a Linux peer's supplementary groups are read.</summary>
public class ProcStatusTests
{
    private const string Recorded =
        "Name:\tsigwatch\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4242\nPPid:\t1\n" +
        "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t64\nGroups:\t4 24 27 1000 \nNStgid:\t4242\n";

    [Fact]
    public void ParseProcStatus_RecordedStatus_ReadsUidsGidsAndSupplementaryGroups()
    {
        var parsed = PeerCredentialParser.ParseProcStatus(Recorded);
        Assert.NotNull(parsed);
        Assert.Equal([1000u, 1000, 1000, 1000], parsed.Value.Uids);
        Assert.Equal([1000u, 1000, 1000, 1000], parsed.Value.Gids);
        Assert.Equal([4u, 24, 27, 1000], parsed.Value.Groups);
    }

    [Fact]
    public void ParseProcStatus_NoSupplementaryGroups_IsAnEmptyList() =>
        Assert.Empty(PeerCredentialParser.ParseProcStatus(Recorded.Replace("Groups:\t4 24 27 1000 ", "Groups:\t", StringComparison.Ordinal))!.Value.Groups);

    [Theory]
    [InlineData("Groups:\t4 24 27 1000 \n", "")]
    [InlineData("Uid:\t1000\t1000\t1000\t1000\n", "Uid:\t1000\t1000\n")]
    [InlineData("Groups:\t4 24 27 1000 ", "Groups:\t4 x 27")]
    [InlineData("Groups:\t4 24 27 1000 ", "Groups:\t4 -24")]
    // A name line seen twice: should a process ever forge one, nothing from the status is believed.
    [InlineData("Name:\tsigwatch\n", "Name:\tx\nGroups:\t0\n")]
    public void ParseProcStatus_MissingMalformedOrRepeatedLines_IsNull(string line, string replacement) =>
        Assert.Null(PeerCredentialParser.ParseProcStatus(Recorded.Replace(line, replacement, StringComparison.Ordinal)));

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void LinuxPeerCredentials_ThisProcess_ReportsItsOwnSupplementaryGroups()
    {
        var own = PeerCredentialParser.ParseProcStatus(File.ReadAllText("/proc/self/status"))!.Value;
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        var path = Path.Combine(Path.GetTempPath(), $"pc-{Guid.NewGuid():N}"[..12] + ".sock");
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            using var accepted = listener.Accept();
            var peer = new Linux.LinuxPeerCredentials().Read(accepted);
            Assert.Equal(own.Gids[0], peer.GroupId);
            Assert.Equal([own.Gids[0], .. own.Groups.Where(g => g != own.Gids[0])], peer.Groups);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
