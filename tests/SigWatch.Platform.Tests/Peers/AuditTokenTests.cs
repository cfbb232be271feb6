using System.Buffers.Binary;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Tests.Peers;

public class AuditTokenTests
{
    // A recorded token in kernel order (kern_prot.c): auid 501, euid 0, egid 20, ruid 501, rgid 20, pid 4242,
    // asid 100007, pidversion 77.
    private static byte[] Recorded(int pid = 4242, int pidVersion = 77)
    {
        uint[] words = [501, 0, 20, 501, 20, (uint)pid, 100007, (uint)pidVersion];
        var bytes = new byte[32];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        }

        return bytes;
    }

    [Fact]
    public void FromBytes_DecodesFieldsInKernelOrder()
    {
        var token = AuditToken.FromBytes(Recorded());
        Assert.Equal(501u, token.AuditUserId);
        Assert.Equal(0u, token.EffectiveUserId);
        Assert.Equal(20u, token.EffectiveGroupId);
        Assert.Equal(501u, token.RealUserId);
        Assert.Equal(20u, token.RealGroupId);
        Assert.Equal(4242, token.ProcessId);
        Assert.Equal(100007u, token.AuditSessionId);
        Assert.Equal(77, token.PidVersion);
    }

    [Fact]
    public void ToBytes_RoundTripsExactly() => Assert.Equal(Recorded(), AuditToken.FromBytes(Recorded()).ToBytes());

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(0)]
    public void FromBytes_WrongLength_Throws(int length) =>
        Assert.Throws<ArgumentException>(() => AuditToken.FromBytes(new byte[length]));

    [Fact]
    public void ImageChanged_OnExecOrOtherPid()
    {
        var first = AuditToken.FromBytes(Recorded());
        Assert.False(first.ImageChanged(AuditToken.FromBytes(Recorded())));
        Assert.True(first.ImageChanged(AuditToken.FromBytes(Recorded(pidVersion: 78))));
        Assert.True(first.ImageChanged(AuditToken.FromBytes(Recorded(pid: 4243))));
        Assert.Equal(first, AuditToken.FromBytes(Recorded()));
        Assert.NotEqual(first, AuditToken.FromBytes(Recorded(pidVersion: 78)));
    }

    [Fact]
    public void PeerIdentity_TokenPidDiffersFromPeerPid_IsInconsistent()
    {
        var token = AuditToken.FromBytes(Recorded());
        Assert.True(new PeerIdentity(501, 20, [20], 4242, token).IsConsistent);
        Assert.False(new PeerIdentity(501, 20, [20], 4243, token).IsConsistent);
        Assert.True(new PeerIdentity(501, 20, [20], 4243, null).IsConsistent);
    }
}
