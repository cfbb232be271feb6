using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Tests.Peers;

// Struct sizes and offsets from macos-integration.md §4 (XNU ucred.h, message.h; Linux socket(7)), asserted on
// every OS so a layout mistake is caught without a Mac.
public class PeerCredentialLayoutTests
{
    [Fact]
    public void XUCred_Is76BytesWithHeaderOffsets()
    {
        Assert.Equal(76, XUCred.Size);
        Assert.Equal(XUCred.Size, Unsafe.SizeOf<XUCred>());
        Assert.Equal(XUCred.Size, Marshal.SizeOf<XUCred>());
        Assert.Equal(0, (int)Marshal.OffsetOf<XUCred>(nameof(XUCred.cr_version)));
        Assert.Equal(4, (int)Marshal.OffsetOf<XUCred>(nameof(XUCred.cr_uid)));
        Assert.Equal(8, (int)Marshal.OffsetOf<XUCred>(nameof(XUCred.cr_ngroups)));
        Assert.Equal(12, (int)Marshal.OffsetOf<XUCred>(nameof(XUCred.cr_groups)));
    }

    [Fact]
    public void LinuxUCred_Is12Bytes()
    {
        Assert.Equal(12, LinuxUCred.Size);
        Assert.Equal(LinuxUCred.Size, Unsafe.SizeOf<LinuxUCred>());
        Assert.Equal(0, (int)Marshal.OffsetOf<LinuxUCred>(nameof(LinuxUCred.pid)));
        Assert.Equal(4, (int)Marshal.OffsetOf<LinuxUCred>(nameof(LinuxUCred.uid)));
        Assert.Equal(8, (int)Marshal.OffsetOf<LinuxUCred>(nameof(LinuxUCred.gid)));
    }

    [Fact]
    public void AuditToken_IsEightWords() => Assert.Equal(32, Unsafe.SizeOf<AuditToken>());

    [Fact]
    public void OptionNumbers_MatchHeaders()
    {
        Assert.Equal(0, Libc.DarwinSolLocal);
        Assert.Equal(1, Libc.DarwinLocalPeerCred);
        Assert.Equal(2, Libc.DarwinLocalPeerPid);
        Assert.Equal(6, Libc.DarwinLocalPeerToken);
        Assert.Equal(1, Libc.LinuxSolSocket);
        Assert.Equal(17, Libc.LinuxSoPeerCred);
    }

    [Fact]
    public void ParseXUCred_RecordedValue_ReadsUidAndGroups()
    {
        // A recorded xucred for uid 501 in groups staff(20), everyone(12), admin(80).
        var bytes = new byte[76];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 501);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(8), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), 20);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 12);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), 80);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), 999); // beyond cr_ngroups: ignored

        var (uid, groups) = PeerCredentialParser.ParseXUCred(bytes);

        Assert.Equal(501u, uid);
        Assert.Equal([20u, 12u, 80u], groups);
    }

    [Theory]
    [InlineData(1, 3)]   // unknown version
    [InlineData(0, 17)]  // more groups than fit
    [InlineData(0, -1)]
    [InlineData(0, 0)]   // cr_gid is cr_groups[0]: there is always one
    public void ParseXUCred_InvalidHeader_Throws(uint version, short groups)
    {
        var bytes = new byte[76];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, version);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(8), groups);
        Assert.Throws<FormatException>(() => PeerCredentialParser.ParseXUCred(bytes));
    }

    [Fact]
    public void ParseXUCred_Short_Throws() => Assert.Throws<FormatException>(() => PeerCredentialParser.ParseXUCred(new byte[75]));

    [Fact]
    public void ParseLinuxUCred_RecordedValue()
    {
        byte[] bytes = [0x39, 0x30, 0, 0, 0xe8, 0x03, 0, 0, 0x64, 0, 0, 0]; // pid 12345, uid 1000, gid 100
        Assert.Equal((12345, 1000u, 100u), PeerCredentialParser.ParseLinuxUCred(bytes));
        Assert.Throws<FormatException>(() => PeerCredentialParser.ParseLinuxUCred(bytes.AsSpan(0, 11)));
    }
}
