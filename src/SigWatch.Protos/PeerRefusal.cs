using System.Buffers.Binary;
using System.Text;

namespace SigWatch.Protos;

/// <summary>
/// How sigwatchd refuses a connection, part of the contract beside the .proto: before reading anything the peer sent,
/// it writes the server preface — an empty SETTINGS frame (RFC 9113 §3.4) — and a GOAWAY (§6.8) with last stream 0,
/// error INADEQUATE_SECURITY (0xC, which gRPC clients surface as PERMISSION_DENIED) and the debug data
/// <c>PERMISSION_DENIED: reason</c>, then closes. A client that wants the reason connects, writes nothing and reads.
/// </summary>
public static class PeerRefusal
{
    /// <summary>HTTP/2 error code INADEQUATE_SECURITY (RFC 9113 §7).</summary>
    public const uint ErrorCode = 0xC;

    /// <summary>The reason is cut to this many characters: the frames stay far below any buffer.</summary>
    public const int MaxReasonLength = 200;

    private const string Prefix = "PERMISSION_DENIED: ";
    private const int FrameHeaderLength = 9;
    private const byte SettingsType = 0x4;
    private const byte GoAwayType = 0x7;

    /// <summary>The bytes the daemon writes to refuse a peer for <paramref name="reason"/>.</summary>
    public static byte[] Encode(string reason)
    {
        var debug = Encoding.UTF8.GetBytes(Prefix + (reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason));
        var frames = new byte[FrameHeaderLength + FrameHeaderLength + 8 + debug.Length];
        frames[3] = SettingsType; // length 0, flags 0, stream 0
        var goAway = frames.AsSpan(FrameHeaderLength);
        BinaryPrimitives.WriteInt32BigEndian(goAway, (8 + debug.Length) << 8 | GoAwayType); // 24-bit length, type
        // flags (1 byte) and stream 0 (4 bytes) stay zero; then last stream id 0 (4 bytes) and the error code.
        BinaryPrimitives.WriteUInt32BigEndian(goAway[(FrameHeaderLength + 4)..], ErrorCode);
        debug.CopyTo(goAway[(FrameHeaderLength + 8)..]);
        return frames;
    }

    /// <summary>
    /// The reason in a refusal that <paramref name="received"/> begins with (SETTINGS frames, then the GOAWAY); null
    /// when it is incomplete, another frame comes first, or the GOAWAY carries another error code.
    /// </summary>
    public static string? TryDecode(ReadOnlySpan<byte> received)
    {
        while (received.Length >= FrameHeaderLength)
        {
            var length = (received[0] << 16) | (received[1] << 8) | received[2];
            var type = received[3];
            if (received.Length < FrameHeaderLength + length)
            {
                return null;
            }

            var payload = received.Slice(FrameHeaderLength, length);
            if (type == GoAwayType)
            {
                if (length < 8 || BinaryPrimitives.ReadUInt32BigEndian(payload[4..]) != ErrorCode)
                {
                    return null;
                }

                var debug = Encoding.UTF8.GetString(payload[8..]);
                return debug.StartsWith(Prefix, StringComparison.Ordinal) ? debug[Prefix.Length..] : debug;
            }

            if (type != SettingsType)
            {
                return null;
            }

            received = received[(FrameHeaderLength + length)..];
        }

        return null;
    }
}
