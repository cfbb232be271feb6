using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using SigWatch.Platform.Linux;
using SigWatch.Platform.Peers;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests.Peers;

// Real SO_PEERCRED over a real Unix-domain socket pair: both ends are this process. Every test is a LinuxFact
// (skipped with its reason elsewhere), which the platform analyzer cannot see; hence the class attribute.
[SupportedOSPlatform("linux")]
public class LinuxPeerCredentialsTests
{
    [LinuxFact]
    public async Task Read_BothEndsOfAUnixSocket_ReportThisProcess()
    {
        using var dir = new TempDirectory();
        var endpoint = new UnixDomainSocketEndPoint(dir.Combine("s"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(endpoint);
        using var server = await listener.AcceptAsync();

        var reader = PeerCredentials.ForCurrentPlatform();
        Assert.IsType<LinuxPeerCredentials>(reader);
        foreach (var socket in new[] { server, client })
        {
            var peer = reader.Read(socket);
            Assert.Equal(Environment.ProcessId, peer.ProcessId);
            Assert.Equal(ProcessIdentity.EffectiveUserId, peer.UserId);
            Assert.Equal(ProcessIdentity.EffectiveGroupId, peer.GroupId);
            Assert.Equal([peer.GroupId], peer.Groups);
            Assert.Null(peer.AuditToken);
            Assert.True(peer.IsConsistent);
        }
    }

    [LinuxFact]
    public void Read_TcpSocket_IsRejected()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => new LinuxPeerCredentials().Read(tcp));
    }

    [LinuxFact]
    public void Read_UnconnectedUnixSocket_IsNotConnected_NotAnInventedPeer()
    {
        // The kernel itself answers pid 0, uid/gid -1 here; the reader must turn that into ENOTCONN.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var error = Assert.Throws<SocketException>(() => new LinuxPeerCredentials().Read(socket));
        Assert.Equal(SocketError.NotConnected, error.SocketErrorCode);
    }
}
