using System.Net.Sockets;
using SigWatch.Cli.Connection;
using SigWatch.Protos;

namespace SigWatch.Cli.Tests;

/// <summary>The refusal on the wire (<see cref="PeerRefusal"/>) and how the CLI reads it from a daemon.</summary>
public sealed class RefusalProbeTests
{
    private static byte[] Refusal(string reason, uint error = PeerRefusal.ErrorCode)
    {
        var bytes = PeerRefusal.Encode(reason);
        bytes[^(reason.Length + "PERMISSION_DENIED: ".Length + 1)] = (byte)error; // the error code's last byte
        return bytes;
    }

    [Fact]
    public void TryDecode_DaemonRefusal_ReturnsTheReason() =>
        Assert.Equal("uid 65534 is not allowed", PeerRefusal.TryDecode(Refusal("uid 65534 is not allowed")));

    [Fact]
    public void Encode_IsASettingsFrameThenAGoAwayWithInadequateSecurity()
    {
        var bytes = PeerRefusal.Encode("no");
        Assert.Equal(new byte[] { 0, 0, 0, 0x4, 0, 0, 0, 0, 0 }, bytes[..9]);
        Assert.Equal(new byte[] { 0, 0, (byte)(8 + 21), 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xC }, bytes[9..26]);
        Assert.Equal("PERMISSION_DENIED: no"u8.ToArray(), bytes[26..]);
    }

    [Fact]
    public void Encode_ALongReason_IsCut() =>
        Assert.Equal(PeerRefusal.MaxReasonLength, PeerRefusal.TryDecode(PeerRefusal.Encode(new string('x', 5000)))!.Length);

    [Fact]
    public void TryDecode_OtherErrorCode_IsNotARefusal() =>
        Assert.Null(PeerRefusal.TryDecode(Refusal("shutting down", error: 0x0)));

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(20)]
    public void TryDecode_Truncated_IsNull(int length) =>
        Assert.Null(PeerRefusal.TryDecode(Refusal("uid 1 is not allowed").AsSpan(0, length)));

    [Fact]
    public void TryDecode_AnyOtherFrameFirst_IsNotARefusal()
    {
        var headers = new byte[] { 0, 0, 0, 0x1, 0x4, 0, 0, 0, 1 };
        Assert.Null(PeerRefusal.TryDecode([.. headers, .. Refusal("x")]));
    }

    [Fact]
    public async Task TryReadRefusal_ServerThatRefuses_IsRead_ServerThatWaits_IsNot()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rp-{Guid.NewGuid():N}"[..12] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(2);
        try
        {
            var refuse = Task.Run(async () =>
            {
                using var peer = await listener.AcceptAsync();
                await peer.SendAsync(Refusal("uid 7 is not allowed"), SocketFlags.None);
            });
            Assert.Equal("uid 7 is not allowed", RefusalProbe.TryReadRefusal(path, TimeSpan.FromSeconds(5)));
            await refuse;

            // A daemon that admits the probe waits for the client's preface: nothing to read, no refusal.
            var admit = listener.AcceptAsync();
            Assert.Null(RefusalProbe.TryReadRefusal(path, TimeSpan.FromMilliseconds(300)));
            (await admit).Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
