using System.Net.Sockets;
using SigWatch.Protos;

namespace SigWatch.Cli.Connection;

/// <summary>
/// Tells a refused connection from a dead daemon. sigwatchd refuses a peer by writing <see cref="PeerRefusal"/> (an
/// HTTP/2 SETTINGS frame and a GOAWAY with the reason) as soon as it accepts, then closing without reading. An HTTP/2
/// client that has already written its preface usually sees only the broken pipe, so after a failed call the CLI
/// connects once more, writes nothing, and reads what the daemon says first.
/// </summary>
internal static class RefusalProbe
{
    /// <summary>The daemon's reason for refusing this process, or null if it did not refuse (or did not answer in time).</summary>
    public static string? TryReadRefusal(string socketPath, TimeSpan timeout)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            var buffer = new byte[1024];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (PeerRefusal.TryDecode(buffer.AsSpan(0, length)) is { } complete)
                {
                    return complete;
                }
            }

            return PeerRefusal.TryDecode(buffer.AsSpan(0, length));
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
