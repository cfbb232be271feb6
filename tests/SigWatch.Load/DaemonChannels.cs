using System.Net.Sockets;
using Grpc.Net.Client;

namespace SigWatch.Load;

/// <summary>gRPC channels to a daemon's Unix socket; each channel is one HTTP/2 connection.</summary>
internal static class DaemonChannels
{
    public static GrpcChannel Open(string socketPath) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            // Disposing the channel closes its connection (the daemon counts open connections per uid).
            DisposeHttpClient = true,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
                // One connection per channel, so that the connection count is what the caller chose.
                EnableMultipleHttp2Connections = false,
            },
        });
}

/// <summary>What /proc says of a process: resident memory and open descriptors (Linux only).</summary>
internal readonly record struct ProcessSample(long RssBytes, int OpenFiles)
{
    public static ProcessSample? Of(int pid)
    {
        try
        {
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }

            return new ProcessSample(rss, Directory.GetFiles($"/proc/{pid}/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
