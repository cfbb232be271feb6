using System.Net.Sockets;
using Grpc.Net.Client;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>A gRPC channel to a daemon socket, for calling services the CLI does not expose (health, reflection, Rescan).</summary>
internal static class TestChannel
{
    public static GrpcChannel For(string socketPath) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            // Disposing the channel closes its connection (the daemon counts open connections per uid).
            DisposeHttpClient = true,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            },
        });
}
