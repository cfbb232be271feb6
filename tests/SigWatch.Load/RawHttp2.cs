using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace SigWatch.Load;

/// <summary>
/// Just enough HTTP/2 (RFC 9113) and HPACK (RFC 7541) to send a gRPC request without a client library that would
/// respect flow control or give up early, and to read what the server answers before it closes: an attacker's view.
/// </summary>
internal static class RawHttp2
{
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const byte Data = 0x0, Headers = 0x1, Settings = 0x4;
    public const byte EndStream = 0x1, EndHeaders = 0x4;

    public static byte[] Frame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>HEADERS for a gRPC POST to <paramref name="path"/>, every field a literal without indexing (§6.2.2).</summary>
    public static byte[] GrpcHeaders(int stream, string path)
    {
        using var block = new MemoryStream();
        foreach (var (name, value) in new[]
        {
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        })
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        return Frame(Headers, EndHeaders, stream, block.ToArray());
    }

    /// <summary>A gRPC length-prefixed message: the request whose field 1 is a string of <paramref name="length"/> bytes.</summary>
    public static byte[] GrpcMessageWithString(int length)
    {
        var varint = new List<byte>();
        for (var v = (uint)length; ; v >>= 7)
        {
            if (v < 0x80)
            {
                varint.Add((byte)v);
                break;
            }

            varint.Add((byte)(v | 0x80));
        }

        var protobuf = 1 + varint.Count + length;
        var message = new byte[5 + protobuf];
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), protobuf);
        message[5] = 0x0A; // field 1, length-delimited
        varint.CopyTo(message, 6);
        message.AsSpan(6 + varint.Count).Fill((byte)'a');
        message[6 + varint.Count] = (byte)'/';
        return message;
    }

    private static void WriteString(Stream s, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("header longer than this encoder supports", nameof(text));
        }

        s.WriteByte((byte)bytes.Length);
        s.Write(bytes);
    }

    /// <summary>Whether <paramref name="received"/> is sigwatchd's refusal (<see cref="Protos.PeerRefusal"/>), and its reason.</summary>
    public static (bool Refused, string? Reason) FindRefusal(ReadOnlySpan<byte> received) =>
        Protos.PeerRefusal.TryDecode(received) is { } reason ? (true, "PERMISSION_DENIED: " + reason) : (false, null);

    /// <summary>Reads until the server closes (or <paramref name="max"/> bytes, or the timeout): what it said.</summary>
    public static async Task<byte[]> ReadUntilClosedAsync(Socket socket, int max, CancellationToken cancellationToken)
    {
        var buffer = new byte[max];
        var length = 0;
        try
        {
            while (length < max)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (SocketException)
        {
            // ECONNRESET after the server closed with our bytes unread: what arrived before is still ours.
        }
        catch (OperationCanceledException)
        {
        }

        return buffer[..length];
    }
}
